// Every plugin of the suite, by directory: build/gen.mjs writes build/generated/registry.ts
// from plugins/<name>/main.ts and ipam/<name>/main.ts (each exports `plugin`; a warmup.ts
// beside it exports `warmup`, a side-effect free variant for the snapshot, imported only
// while the SEA's snapshot is built).
export { plugins, warmups } from './generated/registry';
