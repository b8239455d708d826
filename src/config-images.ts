/**
 * The images Berth starts from: database engines, buildpacks and the volume helper, each overridable by
 * a BERTH_*_IMAGE setting with a valid image reference.
 */
import { fail, type Env } from './config-readers.js';

/** Official images of the database engines; the tag is the default version. */
export const DEFAULT_DB_IMAGES = Object.freeze({
  postgres: 'postgres:16',
  mysql: 'mysql:8.4',
  mariadb: 'mariadb:11',
  redis: 'redis:7',
  mongo: 'mongo:7',
});

export type DbEngineName = keyof typeof DEFAULT_DB_IMAGES;

const DB_IMAGE_PREFIX = 'BERTH_DB_IMAGE_';

/**
 * The official images the buildpacks start from. `go-runtime` is the small image a Go binary is copied
 * into; `static` serves a static site (with a tiny Node file server, so it needs Node).
 */
export const DEFAULT_BUILDPACK_IMAGES = Object.freeze({
  node: 'node:20-slim',
  python: 'python:3.12-slim',
  go: 'golang:1.22',
  'go-runtime': 'gcr.io/distroless/static-debian12',
  static: 'node:20-slim',
});

export type BuildpackImageName = keyof typeof DEFAULT_BUILDPACK_IMAGES;

// [registry[:port]/]path[:tag][@sha256:digest], lowercase path components as Docker requires.
const IMAGE_REFERENCE =
  /^(?=.{1,255}$)(?:[a-zA-Z0-9][a-zA-Z0-9.-]*(?::\d{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::\w[\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

const BUILDPACK_IMAGE_PREFIX = 'BERTH_BUILDPACK_IMAGE_';

/** BERTH_BUILDPACK_IMAGE_<NAME> over the defaults; NAME is the slot in upper case with `_` for `-`. */
export function readBuildpackImages(env: Env): Record<BuildpackImageName, string> {
  const images: Record<BuildpackImageName, string> = { ...DEFAULT_BUILDPACK_IMAGES };
  const names = Object.keys(images) as BuildpackImageName[];
  for (const [variable, raw] of Object.entries(env)) {
    if (!variable.startsWith(BUILDPACK_IMAGE_PREFIX) || raw === undefined || raw === '') continue;
    const name = names.find(
      (n) => n.toUpperCase().replace(/-/g, '_') === variable.slice(BUILDPACK_IMAGE_PREFIX.length),
    );
    if (!name) {
      const known = names.map((n) => BUILDPACK_IMAGE_PREFIX + n.toUpperCase().replace(/-/g, '_')).join(', ');
      fail(variable, `is not a buildpack image setting (known: ${known})`);
    }
    if (!IMAGE_REFERENCE.test(raw)) fail(variable, `must be an image reference such as node:20-slim, got "${raw}"`);
    images[name] = raw;
  }
  return images;
}

/** BERTH_VOLUME_HELPER_IMAGE: any image with tar, find, stat and sha256sum (busybox by default). */
export function readVolumeHelperImage(env: Env): string {
  const raw = env.BERTH_VOLUME_HELPER_IMAGE;
  if (raw === undefined || raw === '') return 'busybox:1.36';
  if (!IMAGE_REFERENCE.test(raw))
    fail('BERTH_VOLUME_HELPER_IMAGE', `must be an image reference such as busybox:1.36, got "${raw}"`);
  return raw;
}

/** BERTH_DB_IMAGE_<ENGINE> over the official images. */
export function readDbImages(env: Env): Record<DbEngineName, string> {
  const images: Record<DbEngineName, string> = { ...DEFAULT_DB_IMAGES };
  const names = Object.keys(images) as DbEngineName[];
  for (const [variable, raw] of Object.entries(env)) {
    if (!variable.startsWith(DB_IMAGE_PREFIX) || raw === undefined || raw === '') continue;
    const name = names.find((n) => n.toUpperCase() === variable.slice(DB_IMAGE_PREFIX.length));
    if (!name)
      fail(
        variable,
        `is not a database image setting (known: ${names.map((n) => DB_IMAGE_PREFIX + n.toUpperCase()).join(', ')})`,
      );
    if (!IMAGE_REFERENCE.test(raw)) fail(variable, `must be an image reference such as postgres:16, got "${raw}"`);
    images[name] = raw;
  }
  return images;
}
