
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'authcheck' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'authcheck'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'authcheck' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('triage', 'triage', [CompletionResultType]::ParameterValue, 'Diagnose an artifact: an error message, a token-endpoint body, an SDK exception, a token')
            [CompletionResult]::new('decode', 'decode', [CompletionResultType]::ParameterValue, 'Decode a JWT: every claim explained, the signature checked, the token rules run')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Explain an AADSTS code or a rule: `AADSTS65001`, `65001`, `admin-consent-missing`')
            [CompletionResult]::new('rules', 'rules', [CompletionResultType]::ParameterValue, 'List the rules, or show one')
            [CompletionResult]::new('sim', 'sim', [CompletionResultType]::ParameterValue, 'Run the simulator: Entra, Graph, ARM and data planes on loopback')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Diagnose live why an app cannot get a token, or gets one an API refuses')
            [CompletionResult]::new('fix', 'fix', [CompletionResultType]::ParameterValue, 'Run the doctor, plan the repairs its findings call for, apply them after confirmation with the operator''s identity, and run the doctor again')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run the doctor against the built-in simulated tenant, every documented failure in turn')
            [CompletionResult]::new('redact', 'redact', [CompletionResultType]::ParameterValue, 'Redact a HAR, JSON export or log so it can be attached to a ticket: secrets, cookies, codes and token signatures removed, tokens shown as their claims')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a completion script for a shell: `authcheck completions bash > /etc/bash_completion.d/authcheck`')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the manual page (roff): `authcheck man > authcheck.1 && man -l authcheck.1`; with `--out-dir DIR`, write a page for every command there instead (authcheck-triage.1, …)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'authcheck;triage' {
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'What the input is, when detection guesses wrong (applies to every file)')
            [CompletionResult]::new('--api', '--api', [CompletionResultType]::ParameterName, 'The API the caller wanted to reach (`purview`, `powerplatform`, `loganalytics`, … or a resource URI)')
            [CompletionResult]::new('--jwks', '--jwks', [CompletionResultType]::ParameterName, 'A JWKS file to check token signatures against')
            [CompletionResult]::new('--scope-arm', '--scope-arm', [CompletionResultType]::ParameterName, 'The Azure scope to judge exported role assignments at (default: the scope an ARM error in the input names)')
            [CompletionResult]::new('--arm-scope', '--arm-scope', [CompletionResultType]::ParameterName, 'The Azure scope to judge exported role assignments at (default: the scope an ARM error in the input names)')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'A role that allows the call, for judging exported role assignments (repeatable; default: what the API or the ARM action needs)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding is at or above this severity')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule folders (`*.toml`), loaded after the built-in rules; a rule with the same name replaces it')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Judge times against this instant (RFC 3339 or Unix seconds) instead of the clock')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('--show-evidence', '--show-evidence', [CompletionResultType]::ParameterName, 'Include the whole evidence document in the report (JSON) or after it (text)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'authcheck;decode' {
            [CompletionResult]::new('--api', '--api', [CompletionResultType]::ParameterName, 'The API the token is meant for (`purview`, `arm`, … or a resource URI): checks the audience')
            [CompletionResult]::new('--jwks', '--jwks', [CompletionResultType]::ParameterName, 'A JWKS file (the issuer''s `discovery/v2.0/keys`) to check the signature against')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding is at or above this severity')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule folders (`*.toml`), loaded after the built-in rules; a rule with the same name replaces it')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Judge times against this instant (RFC 3339 or Unix seconds) instead of the clock')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('--show-evidence', '--show-evidence', [CompletionResultType]::ParameterName, 'Include the whole evidence document in the report (JSON) or after it (text)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'authcheck;explain' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'authcheck;rules' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule folders (`*.toml`), loaded after the built-in rules')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Print the rule file as written')
            [CompletionResult]::new('--fields', '--fields', [CompletionResultType]::ParameterName, 'List every evidence field a rule condition can read, with its meaning')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'authcheck;sim' {
            [CompletionResult]::new('--scenario', '--scenario', [CompletionResultType]::ParameterName, 'A built-in scenario name or a scenario file')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port to listen on (127.0.0.1); 0 picks a free one')
            [CompletionResult]::new('--latency', '--latency', [CompletionResultType]::ParameterName, 'Delay every response by this many milliseconds')
            [CompletionResult]::new('--log', '--log', [CompletionResultType]::ParameterName, 'Append a JSON line per request to FILE (names of form fields only, never their values)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where to write the CA, the client certificate and the federated token file (default: a new folder under the system temp folder)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Serve HTTPS with a fresh local CA; its PEM path is in the JSON line (`ca`)')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'List the built-in scenarios, each with what it shows and the rule it expects, then exit')
            [CompletionResult]::new('--print-env', '--print-env', [CompletionResultType]::ParameterName, 'Start the simulator in the background and print shell exports for it, then exit: `eval "$(authcheck sim --scenario NAME --print-env)"`, then `authcheck_sim_doctor` runs the doctor against it and `kill $AUTHCHECK_SIM_PID` stops it')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'authcheck;doctor' {
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'The tenant: a GUID, a domain, `organizations` or `common` (or AZURE_TENANT_ID)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'The application (client) id (or AZURE_CLIENT_ID)')
            [CompletionResult]::new('--api', '--api', [CompletionResultType]::ParameterName, 'The API to call: purview, powerplatform, loganalytics, appinsights, metrics (custom metrics), logsingestion (the Logs Ingestion API), arm, graph, or a resource URI')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'The token endpoint the user''s code calls')
            [CompletionResult]::new('--endpoint-version', '--endpoint-version', [CompletionResultType]::ParameterName, 'The token endpoint the user''s code calls')
            [CompletionResult]::new('--resource', '--resource', [CompletionResultType]::ParameterName, 'The v1 `resource` exactly as the user''s code sends it')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'The v2 `scope` exactly as the user''s code sends it (space separated)')
            [CompletionResult]::new('--origin', '--origin', [CompletionResultType]::ParameterName, 'The `Origin` header the user''s client sends (a browser app)')
            [CompletionResult]::new('--call', '--call', [CompletionResultType]::ParameterName, 'Call this URL with the token (GET) to see what the API says')
            [CompletionResult]::new('--scope-arm', '--scope-arm', [CompletionResultType]::ParameterName, 'The ARM scope to check role assignments at (`/subscriptions/…/resourceGroups/…`)')
            [CompletionResult]::new('--arm-scope', '--arm-scope', [CompletionResultType]::ParameterName, 'The ARM scope to check role assignments at (`/subscriptions/…/resourceGroups/…`)')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'Roles any one of which the principal needs at `--scope-arm` (default: the API''s reader roles)')
            [CompletionResult]::new('--purview-account', '--purview-account', [CompletionResultType]::ParameterName, 'Purview account name')
            [CompletionResult]::new('--collection', '--collection', [CompletionResultType]::ParameterName, 'Purview collection the call targets')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Log Analytics workspace id (used to build `--call` against the public API when none is given)')
            [CompletionResult]::new('--workspace-id', '--workspace-id', [CompletionResultType]::ParameterName, 'Log Analytics workspace id (used to build `--call` against the public API when none is given)')
            [CompletionResult]::new('--app-id', '--app-id', [CompletionResultType]::ParameterName, 'Application Insights application id (the component''s "Application ID", a GUID; used to build `--call` against its query API when none is given, with `--api appinsights`)')
            [CompletionResult]::new('--resource-id', '--resource-id', [CompletionResultType]::ParameterName, 'The ARM id of the resource custom metrics are sent for (`/subscriptions/…/providers/…`; with `--api metrics`): the doctor posts a probe with no data points to its `/metrics` and checks roles there unless `--scope-arm` says otherwise. With `--api logsingestion`, the data collection rule''s ARM id, where its roles are checked')
            [CompletionResult]::new('--dce', '--dce', [CompletionResultType]::ParameterName, 'The Logs Ingestion API''s endpoint (`--api logsingestion`): a data collection endpoint or the DCR''s logs-ingestion endpoint, `https://NAME.REGION-1.ingest.monitor.azure.com` (or AUTHCHECK_LOGSINGESTION_ENDPOINT, or `dce` in --config)')
            [CompletionResult]::new('--dcr-immutable-id', '--dcr-immutable-id', [CompletionResultType]::ParameterName, 'The data collection rule''s immutable id, `dcr-` and 32 hex digits (`--api logsingestion`; or AUTHCHECK_DCR_IMMUTABLE_ID, or `dcr_immutable_id` in --config)')
            [CompletionResult]::new('--stream', '--stream', [CompletionResultType]::ParameterName, 'The stream the rule declares, as `Custom-MyTable` (`--api logsingestion`; or AUTHCHECK_DCR_STREAM, or `stream` in --config)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'The resource''s Azure region (`westeurope`), for the custom metrics host `REGION.monitoring.azure.com` (`--api metrics`)')
            [CompletionResult]::new('--api-endpoint', '--api-endpoint', [CompletionResultType]::ParameterName, 'Base URL of the API''s data plane (`https://ACCOUNT.purview.azure.com`; or AUTHCHECK_PURVIEW_ENDPOINT, AUTHCHECK_POWERPLATFORM_ENDPOINT, AUTHCHECK_LOGANALYTICS_ENDPOINT, AUTHCHECK_APPINSIGHTS_ENDPOINT, AUTHCHECK_MONITOR_ENDPOINT, AUTHCHECK_LOGSINGESTION_ENDPOINT): the doctor then calls a harmless read there when no `--call` is given')
            [CompletionResult]::new('--credential', '--credential', [CompletionResultType]::ParameterName, 'Which credential to use when several are set: secret, certificate (AZURE_CLIENT_CERTIFICATE_PATH: PEM or PFX, its password in AZURE_CLIENT_CERTIFICATE_PASSWORD), federated, password, token (an access token), managed-identity, device-code (sign in on another device with the code shown), browser (sign in in the system browser; PKCE, loopback redirect URI), interactive (check the authorize request without signing in), or none (send none, to see what Entra says)')
            [CompletionResult]::new('--imds-endpoint', '--imds-endpoint', [CompletionResultType]::ParameterName, 'The instance metadata service for `--credential managed-identity` (or AUTHCHECK_IMDS_ENDPOINT, AZURE_POD_IDENTITY_AUTHORITY_HOST; default http://169.254.169.254)')
            [CompletionResult]::new('--redirect-uri', '--redirect-uri', [CompletionResultType]::ParameterName, 'The redirect URI a browser sign-in listens on and sends (`--credential browser`, a loopback `http://localhost[:PORT]`; default a free port), or the one `--credential interactive` checks')
            [CompletionResult]::new('--username', '--username', [CompletionResultType]::ParameterName, 'ROPC user name (the password comes from AZURE_PASSWORD only)')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'Read the client secret from this file')
            [CompletionResult]::new('--access-token-file', '--access-token-file', [CompletionResultType]::ParameterName, 'Use this access token (a file) instead of asking for one')
            [CompletionResult]::new('--cloud', '--cloud', [CompletionResultType]::ParameterName, 'The national cloud')
            [CompletionResult]::new('--authority-host', '--authority-host', [CompletionResultType]::ParameterName, 'Authority base URL (or AZURE_AUTHORITY_HOST); `http://` only for loopback')
            [CompletionResult]::new('--graph-endpoint', '--graph-endpoint', [CompletionResultType]::ParameterName, 'Graph base URL (or AUTHCHECK_GRAPH_ENDPOINT)')
            [CompletionResult]::new('--arm-endpoint', '--arm-endpoint', [CompletionResultType]::ParameterName, 'ARM base URL (or AUTHCHECK_ARM_ENDPOINT)')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, for TLS-inspecting proxies (or AUTHCHECK_CA_FILE, SSL_CERT_FILE, REQUESTS_CA_BUNDLE)')
            [CompletionResult]::new('--graph-auth', '--graph-auth', [CompletionResultType]::ParameterName, 'How to read Graph and ARM')
            [CompletionResult]::new('--graph-token-file', '--graph-token-file', [CompletionResultType]::ParameterName, 'A Graph token in a file (with --graph-auth env)')
            [CompletionResult]::new('--arm-token-file', '--arm-token-file', [CompletionResultType]::ParameterName, 'An ARM token in a file (with --graph-auth env)')
            [CompletionResult]::new('--github-repo', '--github-repo', [CompletionResultType]::ParameterName, 'GitHub repository `ORG/REPO` (default GITHUB_REPOSITORY)')
            [CompletionResult]::new('--github-ref', '--github-ref', [CompletionResultType]::ParameterName, 'Git ref (default GITHUB_REF)')
            [CompletionResult]::new('--github-environment', '--github-environment', [CompletionResultType]::ParameterName, 'GitHub deployment environment the job uses')
            [CompletionResult]::new('--github-event', '--github-event', [CompletionResultType]::ParameterName, 'GitHub event (default GITHUB_EVENT_NAME)')
            [CompletionResult]::new('--ado-service-connection', '--ado-service-connection', [CompletionResultType]::ParameterName, 'Azure Pipelines service connection name, for its federated subject (default AUTHCHECK_ADO_SERVICE_CONNECTION)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds each request may take')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries of a 429 or 503 (each waits as `Retry-After` says, at most 5 s)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'CI settings and expectations (`authcheck.toml`)')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'When a new role has not taken effect yet, keep probing (a fresh token each time, backing off) until it has, or until DURATION passes (`90s`, `10m`, `1h`; default: the window Microsoft documents for the API, 10m for ARM, 60m for Application Insights, 24h for a managed identity that holds the role through a group)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding is at or above this severity')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule folders (`*.toml`), loaded after the built-in rules; a rule with the same name replaces it')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Judge times against this instant (RFC 3339 or Unix seconds) instead of the clock')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('--no-prompt', '--no-prompt', [CompletionResultType]::ParameterName, 'Never prompt for a secret')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'No live progress display')
            [CompletionResult]::new('--show-evidence', '--show-evidence', [CompletionResultType]::ParameterName, 'Include the whole evidence document in the report (JSON) or after it (text)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'authcheck;fix' {
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'The tenant: a GUID, a domain, `organizations` or `common` (or AZURE_TENANT_ID)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'The application (client) id (or AZURE_CLIENT_ID)')
            [CompletionResult]::new('--api', '--api', [CompletionResultType]::ParameterName, 'The API to call: purview, powerplatform, loganalytics, appinsights, metrics (custom metrics), logsingestion (the Logs Ingestion API), arm, graph, or a resource URI')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'The token endpoint the user''s code calls')
            [CompletionResult]::new('--endpoint-version', '--endpoint-version', [CompletionResultType]::ParameterName, 'The token endpoint the user''s code calls')
            [CompletionResult]::new('--resource', '--resource', [CompletionResultType]::ParameterName, 'The v1 `resource` exactly as the user''s code sends it')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'The v2 `scope` exactly as the user''s code sends it (space separated)')
            [CompletionResult]::new('--origin', '--origin', [CompletionResultType]::ParameterName, 'The `Origin` header the user''s client sends (a browser app)')
            [CompletionResult]::new('--call', '--call', [CompletionResultType]::ParameterName, 'Call this URL with the token (GET) to see what the API says')
            [CompletionResult]::new('--scope-arm', '--scope-arm', [CompletionResultType]::ParameterName, 'The ARM scope to check role assignments at (`/subscriptions/…/resourceGroups/…`)')
            [CompletionResult]::new('--arm-scope', '--arm-scope', [CompletionResultType]::ParameterName, 'The ARM scope to check role assignments at (`/subscriptions/…/resourceGroups/…`)')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'Roles any one of which the principal needs at `--scope-arm` (default: the API''s reader roles)')
            [CompletionResult]::new('--purview-account', '--purview-account', [CompletionResultType]::ParameterName, 'Purview account name')
            [CompletionResult]::new('--collection', '--collection', [CompletionResultType]::ParameterName, 'Purview collection the call targets')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Log Analytics workspace id (used to build `--call` against the public API when none is given)')
            [CompletionResult]::new('--workspace-id', '--workspace-id', [CompletionResultType]::ParameterName, 'Log Analytics workspace id (used to build `--call` against the public API when none is given)')
            [CompletionResult]::new('--app-id', '--app-id', [CompletionResultType]::ParameterName, 'Application Insights application id (the component''s "Application ID", a GUID; used to build `--call` against its query API when none is given, with `--api appinsights`)')
            [CompletionResult]::new('--resource-id', '--resource-id', [CompletionResultType]::ParameterName, 'The ARM id of the resource custom metrics are sent for (`/subscriptions/…/providers/…`; with `--api metrics`): the doctor posts a probe with no data points to its `/metrics` and checks roles there unless `--scope-arm` says otherwise. With `--api logsingestion`, the data collection rule''s ARM id, where its roles are checked')
            [CompletionResult]::new('--dce', '--dce', [CompletionResultType]::ParameterName, 'The Logs Ingestion API''s endpoint (`--api logsingestion`): a data collection endpoint or the DCR''s logs-ingestion endpoint, `https://NAME.REGION-1.ingest.monitor.azure.com` (or AUTHCHECK_LOGSINGESTION_ENDPOINT, or `dce` in --config)')
            [CompletionResult]::new('--dcr-immutable-id', '--dcr-immutable-id', [CompletionResultType]::ParameterName, 'The data collection rule''s immutable id, `dcr-` and 32 hex digits (`--api logsingestion`; or AUTHCHECK_DCR_IMMUTABLE_ID, or `dcr_immutable_id` in --config)')
            [CompletionResult]::new('--stream', '--stream', [CompletionResultType]::ParameterName, 'The stream the rule declares, as `Custom-MyTable` (`--api logsingestion`; or AUTHCHECK_DCR_STREAM, or `stream` in --config)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'The resource''s Azure region (`westeurope`), for the custom metrics host `REGION.monitoring.azure.com` (`--api metrics`)')
            [CompletionResult]::new('--api-endpoint', '--api-endpoint', [CompletionResultType]::ParameterName, 'Base URL of the API''s data plane (`https://ACCOUNT.purview.azure.com`; or AUTHCHECK_PURVIEW_ENDPOINT, AUTHCHECK_POWERPLATFORM_ENDPOINT, AUTHCHECK_LOGANALYTICS_ENDPOINT, AUTHCHECK_APPINSIGHTS_ENDPOINT, AUTHCHECK_MONITOR_ENDPOINT, AUTHCHECK_LOGSINGESTION_ENDPOINT): the doctor then calls a harmless read there when no `--call` is given')
            [CompletionResult]::new('--credential', '--credential', [CompletionResultType]::ParameterName, 'Which credential to use when several are set: secret, certificate (AZURE_CLIENT_CERTIFICATE_PATH: PEM or PFX, its password in AZURE_CLIENT_CERTIFICATE_PASSWORD), federated, password, token (an access token), managed-identity, device-code (sign in on another device with the code shown), browser (sign in in the system browser; PKCE, loopback redirect URI), interactive (check the authorize request without signing in), or none (send none, to see what Entra says)')
            [CompletionResult]::new('--imds-endpoint', '--imds-endpoint', [CompletionResultType]::ParameterName, 'The instance metadata service for `--credential managed-identity` (or AUTHCHECK_IMDS_ENDPOINT, AZURE_POD_IDENTITY_AUTHORITY_HOST; default http://169.254.169.254)')
            [CompletionResult]::new('--redirect-uri', '--redirect-uri', [CompletionResultType]::ParameterName, 'The redirect URI a browser sign-in listens on and sends (`--credential browser`, a loopback `http://localhost[:PORT]`; default a free port), or the one `--credential interactive` checks')
            [CompletionResult]::new('--username', '--username', [CompletionResultType]::ParameterName, 'ROPC user name (the password comes from AZURE_PASSWORD only)')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'Read the client secret from this file')
            [CompletionResult]::new('--access-token-file', '--access-token-file', [CompletionResultType]::ParameterName, 'Use this access token (a file) instead of asking for one')
            [CompletionResult]::new('--cloud', '--cloud', [CompletionResultType]::ParameterName, 'The national cloud')
            [CompletionResult]::new('--authority-host', '--authority-host', [CompletionResultType]::ParameterName, 'Authority base URL (or AZURE_AUTHORITY_HOST); `http://` only for loopback')
            [CompletionResult]::new('--graph-endpoint', '--graph-endpoint', [CompletionResultType]::ParameterName, 'Graph base URL (or AUTHCHECK_GRAPH_ENDPOINT)')
            [CompletionResult]::new('--arm-endpoint', '--arm-endpoint', [CompletionResultType]::ParameterName, 'ARM base URL (or AUTHCHECK_ARM_ENDPOINT)')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, for TLS-inspecting proxies (or AUTHCHECK_CA_FILE, SSL_CERT_FILE, REQUESTS_CA_BUNDLE)')
            [CompletionResult]::new('--graph-auth', '--graph-auth', [CompletionResultType]::ParameterName, 'How to read Graph and ARM')
            [CompletionResult]::new('--graph-token-file', '--graph-token-file', [CompletionResultType]::ParameterName, 'A Graph token in a file (with --graph-auth env)')
            [CompletionResult]::new('--arm-token-file', '--arm-token-file', [CompletionResultType]::ParameterName, 'An ARM token in a file (with --graph-auth env)')
            [CompletionResult]::new('--github-repo', '--github-repo', [CompletionResultType]::ParameterName, 'GitHub repository `ORG/REPO` (default GITHUB_REPOSITORY)')
            [CompletionResult]::new('--github-ref', '--github-ref', [CompletionResultType]::ParameterName, 'Git ref (default GITHUB_REF)')
            [CompletionResult]::new('--github-environment', '--github-environment', [CompletionResultType]::ParameterName, 'GitHub deployment environment the job uses')
            [CompletionResult]::new('--github-event', '--github-event', [CompletionResultType]::ParameterName, 'GitHub event (default GITHUB_EVENT_NAME)')
            [CompletionResult]::new('--ado-service-connection', '--ado-service-connection', [CompletionResultType]::ParameterName, 'Azure Pipelines service connection name, for its federated subject (default AUTHCHECK_ADO_SERVICE_CONNECTION)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds each request may take')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries of a 429 or 503 (each waits as `Retry-After` says, at most 5 s)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'CI settings and expectations (`authcheck.toml`)')
            [CompletionResult]::new('--secret-out', '--secret-out', [CompletionResultType]::ParameterName, 'Where a new client secret goes, when a repair makes one: a new file created with mode 0600 (never stdout, a log or the report)')
            [CompletionResult]::new('--choose', '--choose', [CompletionResultType]::ParameterName, 'Which repair to make where a finding has several, as FINDING=OPTION (repeatable): `user-assignment-required=assign-user|assign-group[:NAME]|assign-app-role[:VALUE]|assignment-off`, `spa-cross-origin-redemption=spa|drop-origin`. Without it the evidence decides when it can; otherwise `fix` asks on a terminal, and without one that step changes nothing')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output: the plan and outcome as text, or as JSON (`authcheck.plan/v1`)')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule folders, as for `doctor`')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Judge times against this instant (RFC 3339 or Unix seconds) instead of the clock')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('--no-prompt', '--no-prompt', [CompletionResultType]::ParameterName, 'Never prompt for a secret')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'No live progress display')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply the plan without asking (for pipelines)')
            [CompletionResult]::new('--plan-only', '--plan-only', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'authcheck;demo' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output: a verdict line per scenario, JSON with each scenario''s report, or one HTML page of them')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each scenario''s findings and checks under its verdict')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each scenario''s findings and checks under its verdict')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'authcheck;redact' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to write the redacted copy (`-` or nothing for standard output)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where to write the redacted copy (`-` or nothing for standard output)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How to write the summary of what was removed (on standard error): a line, or a JSON object')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'authcheck;completions' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'authcheck;man' {
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'Write authcheck.1 and one page per command (authcheck-triage.1, …) into this folder instead of printing the main page')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'authcheck;help' {
            [CompletionResult]::new('triage', 'triage', [CompletionResultType]::ParameterValue, 'Diagnose an artifact: an error message, a token-endpoint body, an SDK exception, a token')
            [CompletionResult]::new('decode', 'decode', [CompletionResultType]::ParameterValue, 'Decode a JWT: every claim explained, the signature checked, the token rules run')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Explain an AADSTS code or a rule: `AADSTS65001`, `65001`, `admin-consent-missing`')
            [CompletionResult]::new('rules', 'rules', [CompletionResultType]::ParameterValue, 'List the rules, or show one')
            [CompletionResult]::new('sim', 'sim', [CompletionResultType]::ParameterValue, 'Run the simulator: Entra, Graph, ARM and data planes on loopback')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Diagnose live why an app cannot get a token, or gets one an API refuses')
            [CompletionResult]::new('fix', 'fix', [CompletionResultType]::ParameterValue, 'Run the doctor, plan the repairs its findings call for, apply them after confirmation with the operator''s identity, and run the doctor again')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run the doctor against the built-in simulated tenant, every documented failure in turn')
            [CompletionResult]::new('redact', 'redact', [CompletionResultType]::ParameterValue, 'Redact a HAR, JSON export or log so it can be attached to a ticket: secrets, cookies, codes and token signatures removed, tokens shown as their claims')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a completion script for a shell: `authcheck completions bash > /etc/bash_completion.d/authcheck`')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the manual page (roff): `authcheck man > authcheck.1 && man -l authcheck.1`; with `--out-dir DIR`, write a page for every command there instead (authcheck-triage.1, …)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'authcheck;help;triage' {
            break
        }
        'authcheck;help;decode' {
            break
        }
        'authcheck;help;explain' {
            break
        }
        'authcheck;help;rules' {
            break
        }
        'authcheck;help;sim' {
            break
        }
        'authcheck;help;doctor' {
            break
        }
        'authcheck;help;fix' {
            break
        }
        'authcheck;help;demo' {
            break
        }
        'authcheck;help;redact' {
            break
        }
        'authcheck;help;completions' {
            break
        }
        'authcheck;help;man' {
            break
        }
        'authcheck;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
