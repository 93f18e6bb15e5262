// Generates the registry and the standalone validators the sources import, so unit tests run without a full build.
export default async function setup(): Promise<void> {
  // @ts-expect-error plain ESM build script without types
  const { gen } = await import('../build/gen.mjs');
  gen();
}
