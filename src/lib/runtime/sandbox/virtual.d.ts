declare module 'virtual:sandbox-document' {
  /** The URL of the sandbox frame's document (see src/lib/runtime/build/sandbox-bundle.ts). */
  const url: string;
  export default url;
}
