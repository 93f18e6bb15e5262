// Generates the standalone validators the sources import, so unit tests run without a full build.
export default async function setup(): Promise<void> {
  // @ts-expect-error plain ESM build script without types
  const { genValidators } = await import('../build/gen-validators.mjs');
  genValidators();
}
