#!/usr/bin/env node
/**
 * The das-emulator command. It runs dist/cli-bundle.cjs, the whole CLI in one file
 * (scripts/bundle-cli.mjs), from the code cache the build made for it (startup/code-cache.ts): a
 * start then neither resolves some two hundred modules nor compiles a megabyte of JavaScript.
 * Without a bundle, or with one older than the modules (tsc ran after the bundler), it runs the
 * modules tsc wrote, cli-main.js and its imports.
 */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileBundle } from './startup/code-cache.js';

const modifiedMs = (name: string): number => statSync(fileURLToPath(new URL(name, import.meta.url)), { throwIfNoEntry: false })?.mtimeMs ?? -1;

if (modifiedMs('./cli-bundle.cjs') >= modifiedMs('./cli-main.js')) compileBundle(fileURLToPath(new URL('./cli-bundle.cjs', import.meta.url))).run();
else await import('./cli-main.js');
