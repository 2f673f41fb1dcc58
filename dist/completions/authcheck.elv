
use builtin;
use str;

set edit:completion:arg-completer[authcheck] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'authcheck'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'authcheck'= {
            cand --color 'When to colour text output (NO_COLOR is honoured with `auto`)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand triage 'Diagnose an artifact: an error message, a token-endpoint body, an SDK exception, a token'
            cand decode 'Decode a JWT: every claim explained, the signature checked, the token rules run'
            cand explain 'Explain an AADSTS code or a rule: `AADSTS65001`, `65001`, `admin-consent-missing`'
            cand rules 'List the rules, or show one'
            cand sim 'Run the simulator: Entra, Graph, ARM and data planes on loopback'
            cand doctor 'Diagnose live why an app cannot get a token, or gets one an API refuses'
            cand fix 'Run the doctor, plan the repairs its findings call for, apply them after confirmation with the operator''s identity, and run the doctor again'
            cand demo 'Run the doctor against the built-in simulated tenant, every documented failure in turn'
            cand redact 'Redact a HAR, JSON export or log so it can be attached to a ticket: secrets, cookies, codes and token signatures removed, tokens shown as their claims'
            cand completions 'Print a completion script for a shell: `authcheck completions bash > /etc/bash_completion.d/authcheck`'
            cand man 'Print the manual page (roff): `authcheck man > authcheck.1 && man -l authcheck.1`; with `--out-dir DIR`, write a page for every command there instead (authcheck-triage.1, …)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'authcheck;triage'= {
            cand --kind 'What the input is, when detection guesses wrong (applies to every file)'
            cand --api 'The API the caller wanted to reach (`purview`, `powerplatform`, `loganalytics`, … or a resource URI)'
            cand --jwks 'A JWKS file to check token signatures against'
            cand --scope-arm 'The Azure scope to judge exported role assignments at (default: the scope an ARM error in the input names)'
            cand --arm-scope 'The Azure scope to judge exported role assignments at (default: the scope an ARM error in the input names)'
            cand --role 'A role that allows the call, for judging exported role assignments (repeatable; default: what the API or the ARM action needs)'
            cand --format 'Output format'
            cand --fail-on 'Exit 1 when a finding is at or above this severity'
            cand --rules 'Extra rule folders (`*.toml`), loaded after the built-in rules; a rule with the same name replaces it'
            cand --now 'Judge times against this instant (RFC 3339 or Unix seconds) instead of the clock'
            cand --color 'When to colour text output (NO_COLOR is honoured with `auto`)'
            cand --show-evidence 'Include the whole evidence document in the report (JSON) or after it (text)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'authcheck;decode'= {
            cand --api 'The API the token is meant for (`purview`, `arm`, … or a resource URI): checks the audience'
            cand --jwks 'A JWKS file (the issuer''s `discovery/v2.0/keys`) to check the signature against'
            cand --format 'Output format'
            cand --fail-on 'Exit 1 when a finding is at or above this severity'
            cand --rules 'Extra rule folders (`*.toml`), loaded after the built-in rules; a rule with the same name replaces it'
            cand --now 'Judge times against this instant (RFC 3339 or Unix seconds) instead of the clock'
            cand --color 'When to colour text output (NO_COLOR is honoured with `auto`)'
            cand --show-evidence 'Include the whole evidence document in the report (JSON) or after it (text)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'authcheck;explain'= {
            cand --format 'Output format'
            cand --color 'When to colour text output (NO_COLOR is honoured with `auto`)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'authcheck;rules'= {
            cand --format 'Output format'
            cand --rules 'Extra rule folders (`*.toml`), loaded after the built-in rules'
            cand --color 'When to colour text output (NO_COLOR is honoured with `auto`)'
            cand --source 'Print the rule file as written'
            cand --fields 'List every evidence field a rule condition can read, with its meaning'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'authcheck;sim'= {
            cand --scenario 'A built-in scenario name or a scenario file'
            cand --port 'Port to listen on (127.0.0.1); 0 picks a free one'
            cand --latency 'Delay every response by this many milliseconds'
            cand --log 'Append a JSON line per request to FILE (names of form fields only, never their values)'
            cand --state-dir 'Where to write the CA, the client certificate and the federated token file (default: a new folder under the system temp folder)'
            cand --color 'When to colour text output (NO_COLOR is honoured with `auto`)'
            cand --tls 'Serve HTTPS with a fresh local CA; its PEM path is in the JSON line (`ca`)'
            cand --list 'List the built-in scenarios, each with what it shows and the rule it expects, then exit'
            cand --print-env 'Start the simulator in the background and print shell exports for it, then exit: `eval "$(authcheck sim --scenario NAME --print-env)"`, then `authcheck_sim_doctor` runs the doctor against it and `kill $AUTHCHECK_SIM_PID` stops it'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'authcheck;doctor'= {
            cand --tenant 'The tenant: a GUID, a domain, `organizations` or `common` (or AZURE_TENANT_ID)'
            cand --client-id 'The application (client) id (or AZURE_CLIENT_ID)'
            cand --api 'The API to call: purview, powerplatform, loganalytics, appinsights, metrics (custom metrics), logsingestion (the Logs Ingestion API), arm, graph, or a resource URI'
            cand --endpoint 'The token endpoint the user''s code calls'
            cand --endpoint-version 'The token endpoint the user''s code calls'
            cand --resource 'The v1 `resource` exactly as the user''s code sends it'
            cand --scope 'The v2 `scope` exactly as the user''s code sends it (space separated)'
            cand --origin 'The `Origin` header the user''s client sends (a browser app)'
            cand --call 'Call this URL with the token (GET) to see what the API says'
            cand --scope-arm 'The ARM scope to check role assignments at (`/subscriptions/…/resourceGroups/…`)'
            cand --arm-scope 'The ARM scope to check role assignments at (`/subscriptions/…/resourceGroups/…`)'
            cand --role 'Roles any one of which the principal needs at `--scope-arm` (default: the API''s reader roles)'
            cand --purview-account 'Purview account name'
            cand --collection 'Purview collection the call targets'
            cand --workspace 'Log Analytics workspace id (used to build `--call` against the public API when none is given)'
            cand --workspace-id 'Log Analytics workspace id (used to build `--call` against the public API when none is given)'
            cand --app-id 'Application Insights application id (the component''s "Application ID", a GUID; used to build `--call` against its query API when none is given, with `--api appinsights`)'
            cand --resource-id 'The ARM id of the resource custom metrics are sent for (`/subscriptions/…/providers/…`; with `--api metrics`): the doctor posts a probe with no data points to its `/metrics` and checks roles there unless `--scope-arm` says otherwise. With `--api logsingestion`, the data collection rule''s ARM id, where its roles are checked'
            cand --dce 'The Logs Ingestion API''s endpoint (`--api logsingestion`): a data collection endpoint or the DCR''s logs-ingestion endpoint, `https://NAME.REGION-1.ingest.monitor.azure.com` (or AUTHCHECK_LOGSINGESTION_ENDPOINT, or `dce` in --config)'
            cand --dcr-immutable-id 'The data collection rule''s immutable id, `dcr-` and 32 hex digits (`--api logsingestion`; or AUTHCHECK_DCR_IMMUTABLE_ID, or `dcr_immutable_id` in --config)'
            cand --stream 'The stream the rule declares, as `Custom-MyTable` (`--api logsingestion`; or AUTHCHECK_DCR_STREAM, or `stream` in --config)'
            cand --region 'The resource''s Azure region (`westeurope`), for the custom metrics host `REGION.monitoring.azure.com` (`--api metrics`)'
            cand --api-endpoint 'Base URL of the API''s data plane (`https://ACCOUNT.purview.azure.com`; or AUTHCHECK_PURVIEW_ENDPOINT, AUTHCHECK_POWERPLATFORM_ENDPOINT, AUTHCHECK_LOGANALYTICS_ENDPOINT, AUTHCHECK_APPINSIGHTS_ENDPOINT, AUTHCHECK_MONITOR_ENDPOINT, AUTHCHECK_LOGSINGESTION_ENDPOINT): the doctor then calls a harmless read there when no `--call` is given'
            cand --credential 'Which credential to use when several are set: secret, certificate (AZURE_CLIENT_CERTIFICATE_PATH: PEM or PFX, its password in AZURE_CLIENT_CERTIFICATE_PASSWORD), federated, password, token (an access token), managed-identity, device-code (sign in on another device with the code shown), browser (sign in in the system browser; PKCE, loopback redirect URI), interactive (check the authorize request without signing in), or none (send none, to see what Entra says)'
            cand --imds-endpoint 'The instance metadata service for `--credential managed-identity` (or AUTHCHECK_IMDS_ENDPOINT, AZURE_POD_IDENTITY_AUTHORITY_HOST; default http://169.254.169.254)'
            cand --redirect-uri 'The redirect URI a browser sign-in listens on and sends (`--credential browser`, a loopback `http://localhost[:PORT]`; default a free port), or the one `--credential interactive` checks'
            cand --username 'ROPC user name (the password comes from AZURE_PASSWORD only)'
            cand --client-secret-file 'Read the client secret from this file'
            cand --access-token-file 'Use this access token (a file) instead of asking for one'
            cand --cloud 'The national cloud'
            cand --authority-host 'Authority base URL (or AZURE_AUTHORITY_HOST); `http://` only for loopback'
            cand --graph-endpoint 'Graph base URL (or AUTHCHECK_GRAPH_ENDPOINT)'
            cand --arm-endpoint 'ARM base URL (or AUTHCHECK_ARM_ENDPOINT)'
            cand --ca-file 'Extra CA certificates (PEM) to trust, for TLS-inspecting proxies (or AUTHCHECK_CA_FILE, SSL_CERT_FILE, REQUESTS_CA_BUNDLE)'
            cand --graph-auth 'How to read Graph and ARM'
            cand --graph-token-file 'A Graph token in a file (with --graph-auth env)'
            cand --arm-token-file 'An ARM token in a file (with --graph-auth env)'
            cand --github-repo 'GitHub repository `ORG/REPO` (default GITHUB_REPOSITORY)'
            cand --github-ref 'Git ref (default GITHUB_REF)'
            cand --github-environment 'GitHub deployment environment the job uses'
            cand --github-event 'GitHub event (default GITHUB_EVENT_NAME)'
            cand --ado-service-connection 'Azure Pipelines service connection name, for its federated subject (default AUTHCHECK_ADO_SERVICE_CONNECTION)'
            cand --timeout 'Seconds each request may take'
            cand --retries 'Retries of a 429 or 503 (each waits as `Retry-After` says, at most 5 s)'
            cand --config 'CI settings and expectations (`authcheck.toml`)'
            cand --wait 'When a new role has not taken effect yet, keep probing (a fresh token each time, backing off) until it has, or until DURATION passes (`90s`, `10m`, `1h`; default: the window Microsoft documents for the API, 10m for ARM, 60m for Application Insights, 24h for a managed identity that holds the role through a group)'
            cand --format 'Output format'
            cand --fail-on 'Exit 1 when a finding is at or above this severity'
            cand --rules 'Extra rule folders (`*.toml`), loaded after the built-in rules; a rule with the same name replaces it'
            cand --now 'Judge times against this instant (RFC 3339 or Unix seconds) instead of the clock'
            cand --color 'When to colour text output (NO_COLOR is honoured with `auto`)'
            cand --no-prompt 'Never prompt for a secret'
            cand --no-progress 'No live progress display'
            cand --show-evidence 'Include the whole evidence document in the report (JSON) or after it (text)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'authcheck;fix'= {
            cand --tenant 'The tenant: a GUID, a domain, `organizations` or `common` (or AZURE_TENANT_ID)'
            cand --client-id 'The application (client) id (or AZURE_CLIENT_ID)'
            cand --api 'The API to call: purview, powerplatform, loganalytics, appinsights, metrics (custom metrics), logsingestion (the Logs Ingestion API), arm, graph, or a resource URI'
            cand --endpoint 'The token endpoint the user''s code calls'
            cand --endpoint-version 'The token endpoint the user''s code calls'
            cand --resource 'The v1 `resource` exactly as the user''s code sends it'
            cand --scope 'The v2 `scope` exactly as the user''s code sends it (space separated)'
            cand --origin 'The `Origin` header the user''s client sends (a browser app)'
            cand --call 'Call this URL with the token (GET) to see what the API says'
            cand --scope-arm 'The ARM scope to check role assignments at (`/subscriptions/…/resourceGroups/…`)'
            cand --arm-scope 'The ARM scope to check role assignments at (`/subscriptions/…/resourceGroups/…`)'
            cand --role 'Roles any one of which the principal needs at `--scope-arm` (default: the API''s reader roles)'
            cand --purview-account 'Purview account name'
            cand --collection 'Purview collection the call targets'
            cand --workspace 'Log Analytics workspace id (used to build `--call` against the public API when none is given)'
            cand --workspace-id 'Log Analytics workspace id (used to build `--call` against the public API when none is given)'
            cand --app-id 'Application Insights application id (the component''s "Application ID", a GUID; used to build `--call` against its query API when none is given, with `--api appinsights`)'
            cand --resource-id 'The ARM id of the resource custom metrics are sent for (`/subscriptions/…/providers/…`; with `--api metrics`): the doctor posts a probe with no data points to its `/metrics` and checks roles there unless `--scope-arm` says otherwise. With `--api logsingestion`, the data collection rule''s ARM id, where its roles are checked'
            cand --dce 'The Logs Ingestion API''s endpoint (`--api logsingestion`): a data collection endpoint or the DCR''s logs-ingestion endpoint, `https://NAME.REGION-1.ingest.monitor.azure.com` (or AUTHCHECK_LOGSINGESTION_ENDPOINT, or `dce` in --config)'
            cand --dcr-immutable-id 'The data collection rule''s immutable id, `dcr-` and 32 hex digits (`--api logsingestion`; or AUTHCHECK_DCR_IMMUTABLE_ID, or `dcr_immutable_id` in --config)'
            cand --stream 'The stream the rule declares, as `Custom-MyTable` (`--api logsingestion`; or AUTHCHECK_DCR_STREAM, or `stream` in --config)'
            cand --region 'The resource''s Azure region (`westeurope`), for the custom metrics host `REGION.monitoring.azure.com` (`--api metrics`)'
            cand --api-endpoint 'Base URL of the API''s data plane (`https://ACCOUNT.purview.azure.com`; or AUTHCHECK_PURVIEW_ENDPOINT, AUTHCHECK_POWERPLATFORM_ENDPOINT, AUTHCHECK_LOGANALYTICS_ENDPOINT, AUTHCHECK_APPINSIGHTS_ENDPOINT, AUTHCHECK_MONITOR_ENDPOINT, AUTHCHECK_LOGSINGESTION_ENDPOINT): the doctor then calls a harmless read there when no `--call` is given'
            cand --credential 'Which credential to use when several are set: secret, certificate (AZURE_CLIENT_CERTIFICATE_PATH: PEM or PFX, its password in AZURE_CLIENT_CERTIFICATE_PASSWORD), federated, password, token (an access token), managed-identity, device-code (sign in on another device with the code shown), browser (sign in in the system browser; PKCE, loopback redirect URI), interactive (check the authorize request without signing in), or none (send none, to see what Entra says)'
            cand --imds-endpoint 'The instance metadata service for `--credential managed-identity` (or AUTHCHECK_IMDS_ENDPOINT, AZURE_POD_IDENTITY_AUTHORITY_HOST; default http://169.254.169.254)'
            cand --redirect-uri 'The redirect URI a browser sign-in listens on and sends (`--credential browser`, a loopback `http://localhost[:PORT]`; default a free port), or the one `--credential interactive` checks'
            cand --username 'ROPC user name (the password comes from AZURE_PASSWORD only)'
            cand --client-secret-file 'Read the client secret from this file'
            cand --access-token-file 'Use this access token (a file) instead of asking for one'
            cand --cloud 'The national cloud'
            cand --authority-host 'Authority base URL (or AZURE_AUTHORITY_HOST); `http://` only for loopback'
            cand --graph-endpoint 'Graph base URL (or AUTHCHECK_GRAPH_ENDPOINT)'
            cand --arm-endpoint 'ARM base URL (or AUTHCHECK_ARM_ENDPOINT)'
            cand --ca-file 'Extra CA certificates (PEM) to trust, for TLS-inspecting proxies (or AUTHCHECK_CA_FILE, SSL_CERT_FILE, REQUESTS_CA_BUNDLE)'
            cand --graph-auth 'How to read Graph and ARM'
            cand --graph-token-file 'A Graph token in a file (with --graph-auth env)'
            cand --arm-token-file 'An ARM token in a file (with --graph-auth env)'
            cand --github-repo 'GitHub repository `ORG/REPO` (default GITHUB_REPOSITORY)'
            cand --github-ref 'Git ref (default GITHUB_REF)'
            cand --github-environment 'GitHub deployment environment the job uses'
            cand --github-event 'GitHub event (default GITHUB_EVENT_NAME)'
            cand --ado-service-connection 'Azure Pipelines service connection name, for its federated subject (default AUTHCHECK_ADO_SERVICE_CONNECTION)'
            cand --timeout 'Seconds each request may take'
            cand --retries 'Retries of a 429 or 503 (each waits as `Retry-After` says, at most 5 s)'
            cand --config 'CI settings and expectations (`authcheck.toml`)'
            cand --secret-out 'Where a new client secret goes, when a repair makes one: a new file created with mode 0600 (never stdout, a log or the report)'
            cand --choose 'Which repair to make where a finding has several, as FINDING=OPTION (repeatable): `user-assignment-required=assign-user|assign-group[:NAME]|assign-app-role[:VALUE]|assignment-off`, `spa-cross-origin-redemption=spa|drop-origin`. Without it the evidence decides when it can; otherwise `fix` asks on a terminal, and without one that step changes nothing'
            cand --format 'Output: the plan and outcome as text, or as JSON (`authcheck.plan/v1`)'
            cand --rules 'Extra rule folders, as for `doctor`'
            cand --now 'Judge times against this instant (RFC 3339 or Unix seconds) instead of the clock'
            cand --color 'When to colour text output (NO_COLOR is honoured with `auto`)'
            cand --no-prompt 'Never prompt for a secret'
            cand --no-progress 'No live progress display'
            cand --yes 'Apply the plan without asking (for pipelines)'
            cand --plan-only 'Print the plan and change nothing'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'authcheck;demo'= {
            cand --format 'Output: a verdict line per scenario, JSON with each scenario''s report, or one HTML page of them'
            cand --color 'When to colour text output (NO_COLOR is honoured with `auto`)'
            cand -v 'Show each scenario''s findings and checks under its verdict'
            cand --verbose 'Show each scenario''s findings and checks under its verdict'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'authcheck;redact'= {
            cand -o 'Where to write the redacted copy (`-` or nothing for standard output)'
            cand --output 'Where to write the redacted copy (`-` or nothing for standard output)'
            cand --format 'How to write the summary of what was removed (on standard error): a line, or a JSON object'
            cand --color 'When to colour text output (NO_COLOR is honoured with `auto`)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'authcheck;completions'= {
            cand --color 'When to colour text output (NO_COLOR is honoured with `auto`)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'authcheck;man'= {
            cand --out-dir 'Write authcheck.1 and one page per command (authcheck-triage.1, …) into this folder instead of printing the main page'
            cand --color 'When to colour text output (NO_COLOR is honoured with `auto`)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'authcheck;help'= {
            cand triage 'Diagnose an artifact: an error message, a token-endpoint body, an SDK exception, a token'
            cand decode 'Decode a JWT: every claim explained, the signature checked, the token rules run'
            cand explain 'Explain an AADSTS code or a rule: `AADSTS65001`, `65001`, `admin-consent-missing`'
            cand rules 'List the rules, or show one'
            cand sim 'Run the simulator: Entra, Graph, ARM and data planes on loopback'
            cand doctor 'Diagnose live why an app cannot get a token, or gets one an API refuses'
            cand fix 'Run the doctor, plan the repairs its findings call for, apply them after confirmation with the operator''s identity, and run the doctor again'
            cand demo 'Run the doctor against the built-in simulated tenant, every documented failure in turn'
            cand redact 'Redact a HAR, JSON export or log so it can be attached to a ticket: secrets, cookies, codes and token signatures removed, tokens shown as their claims'
            cand completions 'Print a completion script for a shell: `authcheck completions bash > /etc/bash_completion.d/authcheck`'
            cand man 'Print the manual page (roff): `authcheck man > authcheck.1 && man -l authcheck.1`; with `--out-dir DIR`, write a page for every command there instead (authcheck-triage.1, …)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'authcheck;help;triage'= {
        }
        &'authcheck;help;decode'= {
        }
        &'authcheck;help;explain'= {
        }
        &'authcheck;help;rules'= {
        }
        &'authcheck;help;sim'= {
        }
        &'authcheck;help;doctor'= {
        }
        &'authcheck;help;fix'= {
        }
        &'authcheck;help;demo'= {
        }
        &'authcheck;help;redact'= {
        }
        &'authcheck;help;completions'= {
        }
        &'authcheck;help;man'= {
        }
        &'authcheck;help;help'= {
        }
    ]
    $completions[$command]
}
