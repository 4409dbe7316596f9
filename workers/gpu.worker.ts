// GPU worker entry: nothing but the service from src/ (see src/jobs/gpuService.ts).
import { expose } from 'comlink';
import { createGpuService } from '../src/jobs/gpuService';

expose(createGpuService());
