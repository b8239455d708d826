/**
 * The developer commands' names and help text. Kept apart from their code so that `berth` (src/cli.ts)
 * can tell a developer command from a server one without loading either.
 */
export const CLIENT_COMMANDS = [
  'login',
  'logout',
  'link',
  'unlink',
  'up',
  'status',
  'logs',
  'vars',
  'open',
  'rollback',
  'plan',
  'apply',
  'export',
  'env',
] as const;
export type ClientCommand = (typeof CLIENT_COMMANDS)[number];

export function isClientCommand(name: string | undefined): name is ClientCommand {
  return (CLIENT_COMMANDS as readonly string[]).includes(name ?? '');
}

export const CLIENT_USAGE = `Developer commands (talk to a Berth server's API with a token; --json on each for scripts):
  berth login --server URL --token-stdin        check an API token and keep it (or --token T)
  berth logout [--revoke]                       forget the stored token (--revoke: revoke it on the server too)
  berth link <project>/<service>                this directory deploys to that service (.berth/link.json)
  berth unlink                                  this directory no longer deploys anywhere
  berth up [--detach]                           upload this directory (minus .gitignore/.dockerignore), build,
                                                deploy, follow the log, print the URL
  berth status                                  the service's state, live deployment and URL
  berth logs [-f] [--tail N]                    the running containers' output; -f follows
  berth vars [list]                             variables (secret values never shown)
  berth vars set K=V … [--secret] | vars unset K … | vars import FILE
  berth open                                    print the service's URL
  berth rollback [deployment]                   run the previous live deployment (or the one named) again
  berth export [--file F] [--stdout]            the linked project (or --project NAME) as berth.project.json
  berth plan [--file F] [--prune]               what applying berth.project.json would change
                                                (exit 0: no changes, 2: changes)
  berth apply [--file F] [--yes] [--prune]      apply it (asks on a terminal; --yes needed otherwise)
  berth env [list] [--project NAME]             the project's environments (the linked one's by default)
  berth env create NAME | env delete NAME --confirm NAME
  berth env duplicate SOURCE NAME --databases empty|seed [--deploy] [--pause-cron]

Exit codes: 0 ok, 1 failure, 2 usage (berth plan: 2 = there are changes), 3 auth (not logged in, token
refused), 4 not found.
Credentials: ~/.config/berth/credentials.json (BERTH_CLI_CONFIG_DIR moves it).`;
