// scripts/kiosk.sh: valid bash (and shellcheck-clean where shellcheck is installed); --print gives the
// WebGPU flags for plain Linux and, with a (faked) /etc/nv_tegra_release, for a Jetson; the systemd unit.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = new URL('./kiosk.sh', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'kiosk-sh-'));
const tegra = join(dir, 'nv_tegra_release');
writeFileSync(tegra, '# R35 (release), REVISION: 4.1, GCID: 33958178, BOARD: t186ref, EABI: aarch64, DATE: Tue Aug  1 19:57:35 UTC 2023\n');

function run(args: string[], env: Record<string, string> = {}): { status: number | null; out: string; err: string } {
  const r = spawnSync(BASH, [SCRIPT, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: dir, CHROMIUM: '/opt/chromium/chrome', TEGRA_RELEASE_FILE: join(dir, 'absent'), ...env },
    encoding: 'utf8',
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

/** The Chromium command line of --print's output, split into arguments (it is printed shell-quoted). */
function chromeArgs(out: string): string[] {
  const line = out.split('\n').find((l) => l.startsWith('/opt/chromium/chrome'))!;
  return execFileSync('bash', ['-c', `for a in ${line}; do printf '%s\\n' "$a"; done`], { encoding: 'utf8' }).trim().split('\n');
}

const BASH = execFileSync('bash', ['-c', 'command -v bash'], { encoding: 'utf8' }).trim();
/** A PATH holding only what the script needs before it looks for a browser. */
const bareBin = join(dir, 'bin');
mkdirSync(bareBin);
symlinkSync(execFileSync('bash', ['-c', 'command -v dirname'], { encoding: 'utf8' }).trim(), join(bareBin, 'dirname'));

const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;

describe('scripts/kiosk.sh', () => {
  it('parses as bash', () => {
    expect(spawnSync('bash', ['-n', SCRIPT]).status).toBe(0);
  });

  it.skipIf(!hasShellcheck)('is shellcheck-clean', () => {
    const r = spawnSync('shellcheck', [SCRIPT], { encoding: 'utf8' });
    expect(r.stdout).toBe('');
  });

  it('on plain Linux: serves the build with vite preview and opens /kiosk with unsafe WebGPU, Vulkan and X11', () => {
    const r = run(['--print']);
    expect(r.status).toBe(0);
    expect(r.out).toContain('# Linux');
    expect(r.out).toMatch(/^npx vite preview --port 4173 --strictPort --host 127\.0\.0\.1 --outDir \S+\/dist &$/m);
    const args = chromeArgs(r.out);
    expect(args).toEqual(expect.arrayContaining(['--kiosk', '--app=http://127.0.0.1:4173/kiosk', `--user-data-dir=${dir}/.config/lantern-kiosk`, '--enable-unsafe-webgpu', '--ozone-platform=x11', '--enable-features=Vulkan']));
    expect(args.filter((a) => a.startsWith('--enable-features='))).toHaveLength(1);
    expect(args).not.toContain('--use-angle=vulkan');
  });

  it('on a Jetson (nv_tegra_release present): ANGLE on Vulkan, the native Vulkan driver, one --enable-features list, the L4T version', () => {
    const r = run(['--print', '--port', '4180', '--query', 'cycle=20&panels=loss,queue'], { TEGRA_RELEASE_FILE: tegra });
    expect(r.status).toBe(0);
    expect(r.out).toContain('# Jetson (L4T R35.4.1)');
    const args = chromeArgs(r.out);
    expect(args).toEqual(
      expect.arrayContaining([
        '--app=http://127.0.0.1:4180/kiosk?cycle=20&panels=loss,queue',
        '--enable-unsafe-webgpu',
        '--ozone-platform=x11',
        '--use-angle=vulkan',
        '--use-vulkan=native',
        '--ignore-gpu-blocklist',
        '--enable-features=Vulkan,VulkanFromANGLE,DefaultANGLEVulkan',
      ]),
    );
    expect(args.filter((a) => a.startsWith('--enable-features='))).toHaveLength(1);
  });

  it('with --url opens that Lantern and serves nothing', () => {
    const r = run(['--print', '--url', 'https://lantern.example/']);
    expect(r.out).not.toContain('vite preview');
    expect(chromeArgs(r.out)).toContain('--app=https://lantern.example/kiosk');
  });

  it('--install-service --print shows a user unit that restarts the kiosk and keeps its options', () => {
    const r = run(['--install-service', '--print', '--port', '4190']);
    expect(r.status).toBe(0);
    expect(r.out).toContain(`# ${dir}/.config/systemd/user/lantern-kiosk.service`);
    expect(r.out).toMatch(/^ExecStart=\S+\/scripts\/kiosk\.sh --port 4190 $/m);
    expect(r.out).toContain('Restart=always');
    expect(r.out).toContain('WantedBy=graphical-session.target');
  });

  it('bad options and a missing browser are refused with what to do', () => {
    expect(run(['--port', 'abc'])).toMatchObject({ status: 2, err: "kiosk.sh: --port must be a number from 1 to 65535, got 'abc'\n" });
    expect(run(['--frobnicate'])).toMatchObject({ status: 2, err: "kiosk.sh: unknown option '--frobnicate' (see --help)\n" });
    const none = run(['--print'], { CHROMIUM: '', PATH: bareBin });
    expect(none.status).toBe(1);
    expect(none.err).toContain('no Chromium found');
  });
});
