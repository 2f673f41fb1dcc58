# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_authcheck_global_optspecs
    string join \n color= h/help V/version
end

function __fish_authcheck_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_authcheck_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_authcheck_using_subcommand
    set -l cmd (__fish_authcheck_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c authcheck -n "__fish_authcheck_needs_command" -l color -d 'When to colour text output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c authcheck -n "__fish_authcheck_needs_command" -s h -l help -d 'Print help'
complete -c authcheck -n "__fish_authcheck_needs_command" -s V -l version -d 'Print version'
complete -c authcheck -n "__fish_authcheck_needs_command" -f -a "triage" -d 'Diagnose an artifact: an error message, a token-endpoint body, an SDK exception, a token'
complete -c authcheck -n "__fish_authcheck_needs_command" -f -a "decode" -d 'Decode a JWT: every claim explained, the signature checked, the token rules run'
complete -c authcheck -n "__fish_authcheck_needs_command" -f -a "explain" -d 'Explain an AADSTS code or a rule: `AADSTS65001`, `65001`, `admin-consent-missing`'
complete -c authcheck -n "__fish_authcheck_needs_command" -f -a "rules" -d 'List the rules, or show one'
complete -c authcheck -n "__fish_authcheck_needs_command" -f -a "sim" -d 'Run the simulator: Entra, Graph, ARM and data planes on loopback'
complete -c authcheck -n "__fish_authcheck_needs_command" -f -a "doctor" -d 'Diagnose live why an app cannot get a token, or gets one an API refuses'
complete -c authcheck -n "__fish_authcheck_needs_command" -f -a "fix" -d 'Run the doctor, plan the repairs its findings call for, apply them after confirmation with the operator\'s identity, and run the doctor again'
complete -c authcheck -n "__fish_authcheck_needs_command" -f -a "demo" -d 'Run the doctor against the built-in simulated tenant, every documented failure in turn'
complete -c authcheck -n "__fish_authcheck_needs_command" -f -a "redact" -d 'Redact a HAR, JSON export or log so it can be attached to a ticket: secrets, cookies, codes and token signatures removed, tokens shown as their claims'
complete -c authcheck -n "__fish_authcheck_needs_command" -f -a "completions" -d 'Print a completion script for a shell: `authcheck completions bash > /etc/bash_completion.d/authcheck`'
complete -c authcheck -n "__fish_authcheck_needs_command" -f -a "man" -d 'Print the manual page (roff): `authcheck man > authcheck.1 && man -l authcheck.1`; with `--out-dir DIR`, write a page for every command there instead (authcheck-triage.1, …)'
complete -c authcheck -n "__fish_authcheck_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c authcheck -n "__fish_authcheck_using_subcommand triage" -l kind -d 'What the input is, when detection guesses wrong (applies to every file)' -r -f -a "jwt\t'A JWT (access or id token)'
json\t'A JSON body: token endpoint, ARM, Graph, a data plane'
text\t'Free text: an SDK exception, CLI output, a log line, an HTML page'
evidence\t'An authcheck evidence document (JSON), as `--show-evidence` prints it'
har\t'A browser or Fiddler HTTP Archive (HAR 1.2), read as a stream'
signins\t'A sign-in log export: Entra portal CSV or JSON, or Graph `auditLogs/signIns` JSON'
sdk-log\t'An SDK debug log: MSAL, azure-identity, `az --debug`'
az-export\t'Azure CLI JSON: `az ad app show`, `az ad sp show`, `az ad app permission list-grants`, `az ad app federated-credential list`, `az role assignment list`'"
complete -c authcheck -n "__fish_authcheck_using_subcommand triage" -l api -d 'The API the caller wanted to reach (`purview`, `powerplatform`, `loganalytics`, … or a resource URI)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand triage" -l jwks -d 'A JWKS file to check token signatures against' -r -F
complete -c authcheck -n "__fish_authcheck_using_subcommand triage" -l scope-arm -l arm-scope -d 'The Azure scope to judge exported role assignments at (default: the scope an ARM error in the input names)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand triage" -l role -d 'A role that allows the call, for judging exported role assignments (repeatable; default: what the API or the ARM action needs)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand triage" -l format -d 'Output format' -r -f -a "text\t''
json\t''
sarif\t''
junit\t''
github\t''
html\t''"
complete -c authcheck -n "__fish_authcheck_using_subcommand triage" -l fail-on -d 'Exit 1 when a finding is at or above this severity' -r -f -a "error\t''
warning\t''
never\t''"
complete -c authcheck -n "__fish_authcheck_using_subcommand triage" -l rules -d 'Extra rule folders (`*.toml`), loaded after the built-in rules; a rule with the same name replaces it' -r -F
complete -c authcheck -n "__fish_authcheck_using_subcommand triage" -l now -d 'Judge times against this instant (RFC 3339 or Unix seconds) instead of the clock' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand triage" -l color -d 'When to colour text output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c authcheck -n "__fish_authcheck_using_subcommand triage" -l show-evidence -d 'Include the whole evidence document in the report (JSON) or after it (text)'
complete -c authcheck -n "__fish_authcheck_using_subcommand triage" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authcheck -n "__fish_authcheck_using_subcommand triage" -s V -l version -d 'Print version'
complete -c authcheck -n "__fish_authcheck_using_subcommand decode" -l api -d 'The API the token is meant for (`purview`, `arm`, … or a resource URI): checks the audience' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand decode" -l jwks -d 'A JWKS file (the issuer\'s `discovery/v2.0/keys`) to check the signature against' -r -F
complete -c authcheck -n "__fish_authcheck_using_subcommand decode" -l format -d 'Output format' -r -f -a "text\t''
json\t''
sarif\t''
junit\t''
github\t''
html\t''"
complete -c authcheck -n "__fish_authcheck_using_subcommand decode" -l fail-on -d 'Exit 1 when a finding is at or above this severity' -r -f -a "error\t''
warning\t''
never\t''"
complete -c authcheck -n "__fish_authcheck_using_subcommand decode" -l rules -d 'Extra rule folders (`*.toml`), loaded after the built-in rules; a rule with the same name replaces it' -r -F
complete -c authcheck -n "__fish_authcheck_using_subcommand decode" -l now -d 'Judge times against this instant (RFC 3339 or Unix seconds) instead of the clock' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand decode" -l color -d 'When to colour text output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c authcheck -n "__fish_authcheck_using_subcommand decode" -l show-evidence -d 'Include the whole evidence document in the report (JSON) or after it (text)'
complete -c authcheck -n "__fish_authcheck_using_subcommand decode" -s h -l help -d 'Print help'
complete -c authcheck -n "__fish_authcheck_using_subcommand decode" -s V -l version -d 'Print version'
complete -c authcheck -n "__fish_authcheck_using_subcommand explain" -l format -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c authcheck -n "__fish_authcheck_using_subcommand explain" -l color -d 'When to colour text output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c authcheck -n "__fish_authcheck_using_subcommand explain" -s h -l help -d 'Print help'
complete -c authcheck -n "__fish_authcheck_using_subcommand explain" -s V -l version -d 'Print version'
complete -c authcheck -n "__fish_authcheck_using_subcommand rules" -l format -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c authcheck -n "__fish_authcheck_using_subcommand rules" -l rules -d 'Extra rule folders (`*.toml`), loaded after the built-in rules' -r -F
complete -c authcheck -n "__fish_authcheck_using_subcommand rules" -l color -d 'When to colour text output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c authcheck -n "__fish_authcheck_using_subcommand rules" -l source -d 'Print the rule file as written'
complete -c authcheck -n "__fish_authcheck_using_subcommand rules" -l fields -d 'List every evidence field a rule condition can read, with its meaning'
complete -c authcheck -n "__fish_authcheck_using_subcommand rules" -s h -l help -d 'Print help'
complete -c authcheck -n "__fish_authcheck_using_subcommand rules" -s V -l version -d 'Print version'
complete -c authcheck -n "__fish_authcheck_using_subcommand sim" -l scenario -d 'A built-in scenario name or a scenario file' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand sim" -l port -d 'Port to listen on (127.0.0.1); 0 picks a free one' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand sim" -l latency -d 'Delay every response by this many milliseconds' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand sim" -l log -d 'Append a JSON line per request to FILE (names of form fields only, never their values)' -r -F
complete -c authcheck -n "__fish_authcheck_using_subcommand sim" -l state-dir -d 'Where to write the CA, the client certificate and the federated token file (default: a new folder under the system temp folder)' -r -F
complete -c authcheck -n "__fish_authcheck_using_subcommand sim" -l color -d 'When to colour text output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c authcheck -n "__fish_authcheck_using_subcommand sim" -l tls -d 'Serve HTTPS with a fresh local CA; its PEM path is in the JSON line (`ca`)'
complete -c authcheck -n "__fish_authcheck_using_subcommand sim" -l list -d 'List the built-in scenarios, each with what it shows and the rule it expects, then exit'
complete -c authcheck -n "__fish_authcheck_using_subcommand sim" -l print-env -d 'Start the simulator in the background and print shell exports for it, then exit: `eval "$(authcheck sim --scenario NAME --print-env)"`, then `authcheck_sim_doctor` runs the doctor against it and `kill $AUTHCHECK_SIM_PID` stops it'
complete -c authcheck -n "__fish_authcheck_using_subcommand sim" -s h -l help -d 'Print help'
complete -c authcheck -n "__fish_authcheck_using_subcommand sim" -s V -l version -d 'Print version'
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l tenant -d 'The tenant: a GUID, a domain, `organizations` or `common` (or AZURE_TENANT_ID)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l client-id -d 'The application (client) id (or AZURE_CLIENT_ID)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l api -d 'The API to call: purview, powerplatform, loganalytics, appinsights, metrics (custom metrics), logsingestion (the Logs Ingestion API), arm, graph, or a resource URI' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l endpoint -l endpoint-version -d 'The token endpoint the user\'s code calls' -r -f -a "v1\t''
v2\t''"
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l resource -d 'The v1 `resource` exactly as the user\'s code sends it' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l scope -d 'The v2 `scope` exactly as the user\'s code sends it (space separated)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l origin -d 'The `Origin` header the user\'s client sends (a browser app)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l call -d 'Call this URL with the token (GET) to see what the API says' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l scope-arm -l arm-scope -d 'The ARM scope to check role assignments at (`/subscriptions/…/resourceGroups/…`)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l role -d 'Roles any one of which the principal needs at `--scope-arm` (default: the API\'s reader roles)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l purview-account -d 'Purview account name' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l collection -d 'Purview collection the call targets' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l workspace -l workspace-id -d 'Log Analytics workspace id (used to build `--call` against the public API when none is given)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l app-id -d 'Application Insights application id (the component\'s "Application ID", a GUID; used to build `--call` against its query API when none is given, with `--api appinsights`)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l resource-id -d 'The ARM id of the resource custom metrics are sent for (`/subscriptions/…/providers/…`; with `--api metrics`): the doctor posts a probe with no data points to its `/metrics` and checks roles there unless `--scope-arm` says otherwise. With `--api logsingestion`, the data collection rule\'s ARM id, where its roles are checked' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l dce -d 'The Logs Ingestion API\'s endpoint (`--api logsingestion`): a data collection endpoint or the DCR\'s logs-ingestion endpoint, `https://NAME.REGION-1.ingest.monitor.azure.com` (or AUTHCHECK_LOGSINGESTION_ENDPOINT, or `dce` in --config)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l dcr-immutable-id -d 'The data collection rule\'s immutable id, `dcr-` and 32 hex digits (`--api logsingestion`; or AUTHCHECK_DCR_IMMUTABLE_ID, or `dcr_immutable_id` in --config)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l stream -d 'The stream the rule declares, as `Custom-MyTable` (`--api logsingestion`; or AUTHCHECK_DCR_STREAM, or `stream` in --config)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l region -d 'The resource\'s Azure region (`westeurope`), for the custom metrics host `REGION.monitoring.azure.com` (`--api metrics`)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l api-endpoint -d 'Base URL of the API\'s data plane (`https://ACCOUNT.purview.azure.com`; or AUTHCHECK_PURVIEW_ENDPOINT, AUTHCHECK_POWERPLATFORM_ENDPOINT, AUTHCHECK_LOGANALYTICS_ENDPOINT, AUTHCHECK_APPINSIGHTS_ENDPOINT, AUTHCHECK_MONITOR_ENDPOINT, AUTHCHECK_LOGSINGESTION_ENDPOINT): the doctor then calls a harmless read there when no `--call` is given' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l credential -d 'Which credential to use when several are set: secret, certificate (AZURE_CLIENT_CERTIFICATE_PATH: PEM or PFX, its password in AZURE_CLIENT_CERTIFICATE_PASSWORD), federated, password, token (an access token), managed-identity, device-code (sign in on another device with the code shown), browser (sign in in the system browser; PKCE, loopback redirect URI), interactive (check the authorize request without signing in), or none (send none, to see what Entra says)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l imds-endpoint -d 'The instance metadata service for `--credential managed-identity` (or AUTHCHECK_IMDS_ENDPOINT, AZURE_POD_IDENTITY_AUTHORITY_HOST; default http://169.254.169.254)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l redirect-uri -d 'The redirect URI a browser sign-in listens on and sends (`--credential browser`, a loopback `http://localhost[:PORT]`; default a free port), or the one `--credential interactive` checks' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l username -d 'ROPC user name (the password comes from AZURE_PASSWORD only)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l client-secret-file -d 'Read the client secret from this file' -r -F
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l access-token-file -d 'Use this access token (a file) instead of asking for one' -r -F
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l cloud -d 'The national cloud' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l authority-host -d 'Authority base URL (or AZURE_AUTHORITY_HOST); `http://` only for loopback' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l graph-endpoint -d 'Graph base URL (or AUTHCHECK_GRAPH_ENDPOINT)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l arm-endpoint -d 'ARM base URL (or AUTHCHECK_ARM_ENDPOINT)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l ca-file -d 'Extra CA certificates (PEM) to trust, for TLS-inspecting proxies (or AUTHCHECK_CA_FILE, SSL_CERT_FILE, REQUESTS_CA_BUNDLE)' -r -F
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l graph-auth -d 'How to read Graph and ARM' -r -f -a "auto\t'A token from the environment when one is set, else the same credential'
same\t'The same credential as the token request, asking for a Graph (or ARM) token'
az\t'The signed-in Azure CLI (`az account get-access-token`)'
env\t'`AUTHCHECK_GRAPH_TOKEN` / `AUTHCHECK_ARM_TOKEN`, or `--graph-token-file` / `--arm-token-file`'
none\t'Do not read Graph or ARM'"
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l graph-token-file -d 'A Graph token in a file (with --graph-auth env)' -r -F
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l arm-token-file -d 'An ARM token in a file (with --graph-auth env)' -r -F
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l github-repo -d 'GitHub repository `ORG/REPO` (default GITHUB_REPOSITORY)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l github-ref -d 'Git ref (default GITHUB_REF)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l github-environment -d 'GitHub deployment environment the job uses' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l github-event -d 'GitHub event (default GITHUB_EVENT_NAME)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l ado-service-connection -d 'Azure Pipelines service connection name, for its federated subject (default AUTHCHECK_ADO_SERVICE_CONNECTION)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l timeout -d 'Seconds each request may take' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l retries -d 'Retries of a 429 or 503 (each waits as `Retry-After` says, at most 5 s)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l config -d 'CI settings and expectations (`authcheck.toml`)' -r -F
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l wait -d 'When a new role has not taken effect yet, keep probing (a fresh token each time, backing off) until it has, or until DURATION passes (`90s`, `10m`, `1h`; default: the window Microsoft documents for the API, 10m for ARM, 60m for Application Insights, 24h for a managed identity that holds the role through a group)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l format -d 'Output format' -r -f -a "text\t''
json\t''
sarif\t''
junit\t''
github\t''
html\t''"
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l fail-on -d 'Exit 1 when a finding is at or above this severity' -r -f -a "error\t''
warning\t''
never\t''"
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l rules -d 'Extra rule folders (`*.toml`), loaded after the built-in rules; a rule with the same name replaces it' -r -F
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l now -d 'Judge times against this instant (RFC 3339 or Unix seconds) instead of the clock' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l color -d 'When to colour text output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l no-prompt -d 'Never prompt for a secret'
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l no-progress -d 'No live progress display'
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -l show-evidence -d 'Include the whole evidence document in the report (JSON) or after it (text)'
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authcheck -n "__fish_authcheck_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l tenant -d 'The tenant: a GUID, a domain, `organizations` or `common` (or AZURE_TENANT_ID)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l client-id -d 'The application (client) id (or AZURE_CLIENT_ID)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l api -d 'The API to call: purview, powerplatform, loganalytics, appinsights, metrics (custom metrics), logsingestion (the Logs Ingestion API), arm, graph, or a resource URI' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l endpoint -l endpoint-version -d 'The token endpoint the user\'s code calls' -r -f -a "v1\t''
v2\t''"
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l resource -d 'The v1 `resource` exactly as the user\'s code sends it' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l scope -d 'The v2 `scope` exactly as the user\'s code sends it (space separated)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l origin -d 'The `Origin` header the user\'s client sends (a browser app)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l call -d 'Call this URL with the token (GET) to see what the API says' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l scope-arm -l arm-scope -d 'The ARM scope to check role assignments at (`/subscriptions/…/resourceGroups/…`)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l role -d 'Roles any one of which the principal needs at `--scope-arm` (default: the API\'s reader roles)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l purview-account -d 'Purview account name' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l collection -d 'Purview collection the call targets' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l workspace -l workspace-id -d 'Log Analytics workspace id (used to build `--call` against the public API when none is given)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l app-id -d 'Application Insights application id (the component\'s "Application ID", a GUID; used to build `--call` against its query API when none is given, with `--api appinsights`)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l resource-id -d 'The ARM id of the resource custom metrics are sent for (`/subscriptions/…/providers/…`; with `--api metrics`): the doctor posts a probe with no data points to its `/metrics` and checks roles there unless `--scope-arm` says otherwise. With `--api logsingestion`, the data collection rule\'s ARM id, where its roles are checked' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l dce -d 'The Logs Ingestion API\'s endpoint (`--api logsingestion`): a data collection endpoint or the DCR\'s logs-ingestion endpoint, `https://NAME.REGION-1.ingest.monitor.azure.com` (or AUTHCHECK_LOGSINGESTION_ENDPOINT, or `dce` in --config)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l dcr-immutable-id -d 'The data collection rule\'s immutable id, `dcr-` and 32 hex digits (`--api logsingestion`; or AUTHCHECK_DCR_IMMUTABLE_ID, or `dcr_immutable_id` in --config)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l stream -d 'The stream the rule declares, as `Custom-MyTable` (`--api logsingestion`; or AUTHCHECK_DCR_STREAM, or `stream` in --config)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l region -d 'The resource\'s Azure region (`westeurope`), for the custom metrics host `REGION.monitoring.azure.com` (`--api metrics`)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l api-endpoint -d 'Base URL of the API\'s data plane (`https://ACCOUNT.purview.azure.com`; or AUTHCHECK_PURVIEW_ENDPOINT, AUTHCHECK_POWERPLATFORM_ENDPOINT, AUTHCHECK_LOGANALYTICS_ENDPOINT, AUTHCHECK_APPINSIGHTS_ENDPOINT, AUTHCHECK_MONITOR_ENDPOINT, AUTHCHECK_LOGSINGESTION_ENDPOINT): the doctor then calls a harmless read there when no `--call` is given' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l credential -d 'Which credential to use when several are set: secret, certificate (AZURE_CLIENT_CERTIFICATE_PATH: PEM or PFX, its password in AZURE_CLIENT_CERTIFICATE_PASSWORD), federated, password, token (an access token), managed-identity, device-code (sign in on another device with the code shown), browser (sign in in the system browser; PKCE, loopback redirect URI), interactive (check the authorize request without signing in), or none (send none, to see what Entra says)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l imds-endpoint -d 'The instance metadata service for `--credential managed-identity` (or AUTHCHECK_IMDS_ENDPOINT, AZURE_POD_IDENTITY_AUTHORITY_HOST; default http://169.254.169.254)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l redirect-uri -d 'The redirect URI a browser sign-in listens on and sends (`--credential browser`, a loopback `http://localhost[:PORT]`; default a free port), or the one `--credential interactive` checks' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l username -d 'ROPC user name (the password comes from AZURE_PASSWORD only)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l client-secret-file -d 'Read the client secret from this file' -r -F
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l access-token-file -d 'Use this access token (a file) instead of asking for one' -r -F
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l cloud -d 'The national cloud' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l authority-host -d 'Authority base URL (or AZURE_AUTHORITY_HOST); `http://` only for loopback' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l graph-endpoint -d 'Graph base URL (or AUTHCHECK_GRAPH_ENDPOINT)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l arm-endpoint -d 'ARM base URL (or AUTHCHECK_ARM_ENDPOINT)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l ca-file -d 'Extra CA certificates (PEM) to trust, for TLS-inspecting proxies (or AUTHCHECK_CA_FILE, SSL_CERT_FILE, REQUESTS_CA_BUNDLE)' -r -F
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l graph-auth -d 'How to read Graph and ARM' -r -f -a "auto\t'A token from the environment when one is set, else the same credential'
same\t'The same credential as the token request, asking for a Graph (or ARM) token'
az\t'The signed-in Azure CLI (`az account get-access-token`)'
env\t'`AUTHCHECK_GRAPH_TOKEN` / `AUTHCHECK_ARM_TOKEN`, or `--graph-token-file` / `--arm-token-file`'
none\t'Do not read Graph or ARM'"
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l graph-token-file -d 'A Graph token in a file (with --graph-auth env)' -r -F
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l arm-token-file -d 'An ARM token in a file (with --graph-auth env)' -r -F
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l github-repo -d 'GitHub repository `ORG/REPO` (default GITHUB_REPOSITORY)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l github-ref -d 'Git ref (default GITHUB_REF)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l github-environment -d 'GitHub deployment environment the job uses' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l github-event -d 'GitHub event (default GITHUB_EVENT_NAME)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l ado-service-connection -d 'Azure Pipelines service connection name, for its federated subject (default AUTHCHECK_ADO_SERVICE_CONNECTION)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l timeout -d 'Seconds each request may take' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l retries -d 'Retries of a 429 or 503 (each waits as `Retry-After` says, at most 5 s)' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l config -d 'CI settings and expectations (`authcheck.toml`)' -r -F
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l secret-out -d 'Where a new client secret goes, when a repair makes one: a new file created with mode 0600 (never stdout, a log or the report)' -r -F
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l choose -d 'Which repair to make where a finding has several, as FINDING=OPTION (repeatable): `user-assignment-required=assign-user|assign-group[:NAME]|assign-app-role[:VALUE]|assignment-off`, `spa-cross-origin-redemption=spa|drop-origin`. Without it the evidence decides when it can; otherwise `fix` asks on a terminal, and without one that step changes nothing' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l format -d 'Output: the plan and outcome as text, or as JSON (`authcheck.plan/v1`)' -r -f -a "text\t''
json\t''"
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l rules -d 'Extra rule folders, as for `doctor`' -r -F
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l now -d 'Judge times against this instant (RFC 3339 or Unix seconds) instead of the clock' -r
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l color -d 'When to colour text output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l no-prompt -d 'Never prompt for a secret'
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l no-progress -d 'No live progress display'
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l yes -d 'Apply the plan without asking (for pipelines)'
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -l plan-only -d 'Print the plan and change nothing'
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authcheck -n "__fish_authcheck_using_subcommand fix" -s V -l version -d 'Print version'
complete -c authcheck -n "__fish_authcheck_using_subcommand demo" -l format -d 'Output: a verdict line per scenario, JSON with each scenario\'s report, or one HTML page of them' -r -f -a "text\t''
json\t''
html\t''"
complete -c authcheck -n "__fish_authcheck_using_subcommand demo" -l color -d 'When to colour text output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c authcheck -n "__fish_authcheck_using_subcommand demo" -s v -l verbose -d 'Show each scenario\'s findings and checks under its verdict'
complete -c authcheck -n "__fish_authcheck_using_subcommand demo" -s h -l help -d 'Print help'
complete -c authcheck -n "__fish_authcheck_using_subcommand demo" -s V -l version -d 'Print version'
complete -c authcheck -n "__fish_authcheck_using_subcommand redact" -s o -l output -d 'Where to write the redacted copy (`-` or nothing for standard output)' -r -F
complete -c authcheck -n "__fish_authcheck_using_subcommand redact" -l format -d 'How to write the summary of what was removed (on standard error): a line, or a JSON object' -r -f -a "text\t''
json\t''"
complete -c authcheck -n "__fish_authcheck_using_subcommand redact" -l color -d 'When to colour text output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c authcheck -n "__fish_authcheck_using_subcommand redact" -s h -l help -d 'Print help'
complete -c authcheck -n "__fish_authcheck_using_subcommand redact" -s V -l version -d 'Print version'
complete -c authcheck -n "__fish_authcheck_using_subcommand completions" -l color -d 'When to colour text output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c authcheck -n "__fish_authcheck_using_subcommand completions" -s h -l help -d 'Print help'
complete -c authcheck -n "__fish_authcheck_using_subcommand completions" -s V -l version -d 'Print version'
complete -c authcheck -n "__fish_authcheck_using_subcommand man" -l out-dir -d 'Write authcheck.1 and one page per command (authcheck-triage.1, …) into this folder instead of printing the main page' -r -F
complete -c authcheck -n "__fish_authcheck_using_subcommand man" -l color -d 'When to colour text output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c authcheck -n "__fish_authcheck_using_subcommand man" -s h -l help -d 'Print help'
complete -c authcheck -n "__fish_authcheck_using_subcommand man" -s V -l version -d 'Print version'
complete -c authcheck -n "__fish_authcheck_using_subcommand help; and not __fish_seen_subcommand_from triage decode explain rules sim doctor fix demo redact completions man help" -f -a "triage" -d 'Diagnose an artifact: an error message, a token-endpoint body, an SDK exception, a token'
complete -c authcheck -n "__fish_authcheck_using_subcommand help; and not __fish_seen_subcommand_from triage decode explain rules sim doctor fix demo redact completions man help" -f -a "decode" -d 'Decode a JWT: every claim explained, the signature checked, the token rules run'
complete -c authcheck -n "__fish_authcheck_using_subcommand help; and not __fish_seen_subcommand_from triage decode explain rules sim doctor fix demo redact completions man help" -f -a "explain" -d 'Explain an AADSTS code or a rule: `AADSTS65001`, `65001`, `admin-consent-missing`'
complete -c authcheck -n "__fish_authcheck_using_subcommand help; and not __fish_seen_subcommand_from triage decode explain rules sim doctor fix demo redact completions man help" -f -a "rules" -d 'List the rules, or show one'
complete -c authcheck -n "__fish_authcheck_using_subcommand help; and not __fish_seen_subcommand_from triage decode explain rules sim doctor fix demo redact completions man help" -f -a "sim" -d 'Run the simulator: Entra, Graph, ARM and data planes on loopback'
complete -c authcheck -n "__fish_authcheck_using_subcommand help; and not __fish_seen_subcommand_from triage decode explain rules sim doctor fix demo redact completions man help" -f -a "doctor" -d 'Diagnose live why an app cannot get a token, or gets one an API refuses'
complete -c authcheck -n "__fish_authcheck_using_subcommand help; and not __fish_seen_subcommand_from triage decode explain rules sim doctor fix demo redact completions man help" -f -a "fix" -d 'Run the doctor, plan the repairs its findings call for, apply them after confirmation with the operator\'s identity, and run the doctor again'
complete -c authcheck -n "__fish_authcheck_using_subcommand help; and not __fish_seen_subcommand_from triage decode explain rules sim doctor fix demo redact completions man help" -f -a "demo" -d 'Run the doctor against the built-in simulated tenant, every documented failure in turn'
complete -c authcheck -n "__fish_authcheck_using_subcommand help; and not __fish_seen_subcommand_from triage decode explain rules sim doctor fix demo redact completions man help" -f -a "redact" -d 'Redact a HAR, JSON export or log so it can be attached to a ticket: secrets, cookies, codes and token signatures removed, tokens shown as their claims'
complete -c authcheck -n "__fish_authcheck_using_subcommand help; and not __fish_seen_subcommand_from triage decode explain rules sim doctor fix demo redact completions man help" -f -a "completions" -d 'Print a completion script for a shell: `authcheck completions bash > /etc/bash_completion.d/authcheck`'
complete -c authcheck -n "__fish_authcheck_using_subcommand help; and not __fish_seen_subcommand_from triage decode explain rules sim doctor fix demo redact completions man help" -f -a "man" -d 'Print the manual page (roff): `authcheck man > authcheck.1 && man -l authcheck.1`; with `--out-dir DIR`, write a page for every command there instead (authcheck-triage.1, …)'
complete -c authcheck -n "__fish_authcheck_using_subcommand help; and not __fish_seen_subcommand_from triage decode explain rules sim doctor fix demo redact completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
