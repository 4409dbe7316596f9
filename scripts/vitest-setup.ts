// Unit-test globals: browser-only libraries (dexie-export-import) read `self` at load time.
(globalThis as { self?: unknown }).self ??= globalThis;

/** Node 20 has Blob but no FileReader; dexie-export-import reads blob slices with it. */
class NodeFileReader extends EventTarget {
  result: string | ArrayBuffer | null = null;
  error: unknown = null;
  onload: ((ev: Event) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  readAsText(blob: Blob) {
    this.read(blob.text());
  }
  readAsArrayBuffer(blob: Blob) {
    this.read(blob.arrayBuffer());
  }
  private emit(type: string, handler: ((ev: Event) => void) | null) {
    const ev = new Event(type);
    Object.defineProperty(ev, 'target', { value: this });
    handler?.(ev);
  }
  private read(p: Promise<string | ArrayBuffer>) {
    p.then(
      (r) => {
        this.result = r;
        this.emit('load', this.onload);
      },
      (e) => {
        this.error = e;
        this.emit('error', this.onerror);
      },
    );
  }
}
(globalThis as { FileReader?: unknown }).FileReader ??= NodeFileReader;
