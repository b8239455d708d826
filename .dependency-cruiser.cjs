/**
 * Berth's layering, checked by `npm run lint` (DESIGN.md "The layout"):
 *   http → features → workloads → runtime / proxy / tls / lib → db
 * workloads/ holds the pure builders of Docker objects (names, labels, container specs) the features use.
 * The composition root (main.ts, cli.ts) may import anything; config, errors, logger, version and data-dir
 * are the foundation every layer may use. Each outside library is imported by its one wrapper file only.
 */
const FEATURES =
  '^src/(projects|deploys|build|source|databases|domains|git|auth|backup|lifecycle|webhooks|doctor|upgrade|jobs|metrics|traffic|alerts|notifications|audit|cron|volumes|workers|stacks|templates|repo-config|environments|previews|autoscale|project-config)/';
const INFRA = '^src/(runtime|proxy|tls|lib)/';

/** library → the only file (pattern) allowed to import it. */
const WRAPPERS = {
  dockerode: '^src/runtime/docker/client\\.ts$',
  '@kubernetes/client-node': '^src/runtime/kubernetes/client(-stateful)?\\.ts$',
  child_process: '^src/lib/exec\\.ts$',
  'http-proxy': '^src/proxy/http-proxy-engine\\.ts$',
  'acme-client': '^src/tls/acme\\.ts$',
  'simple-git': '^src/source/git-fetch\\.ts$',
  bcrypt: '^src/auth/passwords\\.ts$',
  'better-sqlite3': '^src/db/connection\\.ts$',
  ssh2: '^src/git/ssh-server\\.ts$',
  'tar-fs': '^src/lib/tar-archive\\.ts$',
  eta: '^src/lib/templates\\.ts$',
  'node-cron': '^src/jobs/scheduler\\.ts$',
  otpauth: '^src/auth/totp\\.ts$',
  qrcode: '^src/auth/qr-code\\.ts$',
  'openid-client': '^src/auth/oidc-client\\.ts$',
  '@simplewebauthn/server': '^src/auth/webauthn\\.ts$',
  nodemailer: '^src/[a-z-]+/(mailer|smtp|mail)[a-z-]*\\.ts$',
  yaml: '^src/lib/yaml-document\\.ts$',
  ajv: '^src/lib/json-schema\\.ts$',
  ignore: '^src/lib/ignore-rules\\.ts$',
  'smol-toml': '^src/lib/toml-document\\.ts$',
};

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make the layering meaningless and the start order fragile.',
      from: { path: '^src/' },
      to: { circular: true, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'projects-imports-no-databases',
      severity: 'error',
      comment:
        'databases builds on projects (a database is a service of a project); projects reaches databases only through the ReferenceSource port (src/projects/variable-references.ts).',
      from: { path: '^src/projects/' },
      to: { path: '^src/databases/' },
    },
    {
      name: 'db-imports-nothing-above',
      severity: 'error',
      comment: 'db/ is the bottom layer.',
      from: { path: '^src/db/' },
      to: { path: '^src/', pathNot: ['^src/db/', '^src/(errors|config)\\.ts$'] },
    },
    {
      name: 'infra-imports-no-feature',
      severity: 'error',
      comment: 'runtime, proxy, tls and lib serve the features; they never import one (or http).',
      from: { path: INFRA },
      to: { path: [FEATURES, '^src/http/', '^src/(main|cli)\\.ts$'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'workloads-import-no-feature',
      severity: 'error',
      comment: 'The workload builders take plain inputs: they import no feature, no http, no db.',
      from: { path: '^src/workloads/' },
      to: { path: [FEATURES, '^src/http/', '^src/db/', '^src/(main|cli)\\.ts$'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'infra-imports-no-workloads',
      severity: 'error',
      comment: 'The runtime runs the specs the workload builders make; it does not build them.',
      from: { path: INFRA },
      to: { path: '^src/workloads/' },
    },
    {
      name: 'feature-imports-no-http',
      severity: 'error',
      comment: 'Features do not know about HTTP.',
      from: { path: FEATURES },
      to: { path: ['^src/http/', '^src/(main|cli)\\.ts$'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'http-talks-to-feature-services-only',
      severity: 'error',
      comment:
        'Closed facades: routes call feature services, never the database, a repository or the container runtime.',
      from: { path: '^src/http/' },
      to: { path: ['^src/db/', '\\.repository\\.ts$', '^src/runtime/'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'cli-client-imports-lib-only',
      severity: 'error',
      comment:
        'The developer commands are a client of the HTTP API: they import src/lib, errors and their own files, never a feature, http or db (they run on a laptop without the server).',
      from: { path: '^src/cli-client/' },
      to: { path: '^src/', pathNot: ['^src/cli-client/', '^src/lib/', '^src/errors\\.ts$'] },
    },
    {
      name: 'only-the-root-imports-cli-client',
      severity: 'error',
      comment: 'src/cli.ts dispatches to the developer commands; the server side never uses them.',
      from: { path: '^src/', pathNot: ['^src/cli\\.ts$', '^src/cli-client/'] },
      to: { path: '^src/cli-client/' },
    },
    {
      name: 'only-the-root-imports-main',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli\\.ts$' },
      to: { path: '^src/main\\.ts$' },
    },
    ...Object.entries(WRAPPERS).map(([library, wrapper]) => ({
      name: `only-wrapper-imports-${library}`,
      severity: 'error',
      comment: `${library} is used through ${wrapper} only.`,
      from: { path: '^src/', pathNot: wrapper },
      to: { path: `(^|/)node_modules/(@types/)?${library}/|^(node:)?${library}$`, dependencyTypesNot: ['type-only'] },
    })),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    parser: 'swc',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
