declare module 'virtual:sandbox-worker' {
  /** The run worker's bundled source (see src/lib/runtime/build/sandbox-bundle.ts). */
  const source: string;
  export default source;
}
