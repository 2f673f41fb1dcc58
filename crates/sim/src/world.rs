//! The simulated tenant at run time: the scenario with its relative times resolved against the
//! start instant, ids filled in, keys generated, and the lookups every endpoint shares (apps by
//! client id, resources by URI, grants, role assignments and their propagation).

use super::keys::CertKey;
use super::scenario::*;
use crate::SimError;
use authcheck_model::knowledge::apis;
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

/// Well-known app roles and delegated scopes with their published ids; others get derived ids.
const KNOWN_PERMISSION_IDS: &[(&str, &str, &str)] = &[
    (
        "Role",
        "Application.Read.All",
        "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30",
    ),
    (
        "Role",
        "Directory.Read.All",
        "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
    ),
    (
        "Role",
        "AuditLog.Read.All",
        "b0afded3-3588-46d8-8b3d-9842eff778da",
    ),
    (
        "Role",
        "Policy.Read.All",
        "246dd0d5-5bd0-4def-940b-0421030a5b68",
    ),
    ("Scope", "User.Read", "e1fe6dd8-ba31-4d61-89e7-88639da4683d"),
    // The operator's write permissions (https://learn.microsoft.com/en-us/graph/permissions-reference).
    (
        "Role",
        "Application.ReadWrite.All",
        "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9",
    ),
    (
        "Role",
        "AppRoleAssignment.ReadWrite.All",
        "06b708a9-e830-4db3-a914-8e69da51d44f",
    ),
    (
        "Role",
        "DelegatedPermissionGrant.ReadWrite.All",
        "8e8e4742-1d95-4f68-9d56-6ee75648c72a",
    ),
];

/// Built-in Azure roles: name, role definition GUID, actions.
pub const BUILTIN_ROLES: &[(&str, &str, &[&str])] = &[
    ("Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", &["*"]),
    (
        "Contributor",
        "b24988ac-6180-42a0-ab88-20f7382dd24c",
        &["*"],
    ),
    (
        "Reader",
        "acdd72a7-3385-48ef-bd42-f606fba81ae7",
        &["*/read"],
    ),
    (
        "Log Analytics Reader",
        "73c42c96-874c-492b-b04d-ab87d138a893",
        &[
            "*/read",
            "Microsoft.OperationalInsights/workspaces/search/action",
        ],
    ),
    (
        "Log Analytics Contributor",
        "92aaf0da-9dab-42b6-94a3-d43ce8d16293",
        &["*/read", "Microsoft.OperationalInsights/*"],
    ),
    // https://learn.microsoft.com/en-us/azure/role-based-access-control/built-in-roles/privileged#user-access-administrator
    (
        "User Access Administrator",
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
        &["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"],
    ),
    (
        "Monitoring Reader",
        "43d0d8ad-25c7-4714-9337-8ba259a9fe05",
        &["*/read"],
    ),
    (
        "Monitoring Metrics Publisher",
        "3913510d-42f4-4e42-8a64-420c390055eb",
        &["Microsoft.Insights/Metrics/Write"],
    ),
];

/// The id of an app role (`Role`) or delegated scope (`Scope`) of the resource app: the published
/// one for well-known permissions, else one derived from the resource and the value.
pub fn permission_id(kind: &str, value: &str, resource_app_id: &str) -> String {
    KNOWN_PERMISSION_IDS
        .iter()
        .find(|(k, v, _)| *k == kind && *v == value)
        .map(|(_, _, id)| id.to_string())
        .unwrap_or_else(|| derived_guid(&format!("perm:{resource_app_id}:{value}")))
}

pub fn role_by_name(
    name: &str,
) -> Option<&'static (&'static str, &'static str, &'static [&'static str])> {
    BUILTIN_ROLES
        .iter()
        .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
}

pub fn role_by_id(
    id: &str,
) -> Option<&'static (&'static str, &'static str, &'static [&'static str])> {
    BUILTIN_ROLES
        .iter()
        .find(|(_, g, _)| g.eq_ignore_ascii_case(id))
}

#[derive(Debug, Clone)]
pub struct Secret {
    pub key_id: String,
    pub name: String,
    pub value: String,
    pub start: i64,
    pub end: i64,
}

#[derive(Debug, Clone)]
pub struct Cert {
    pub name: String,
    pub key_id: String,
    pub start: i64,
    pub end: i64,
    pub key: Arc<CertKey>,
}

#[derive(Debug, Clone)]
pub struct Perm {
    /// The API's app id.
    pub resource_app_id: String,
    pub kind: String,
    pub value: String,
    pub id: String,
    pub granted: bool,
    pub granted_at: i64,
}

#[derive(Debug, Clone)]
pub struct App {
    pub spec: AppSpec,
    pub app_id: String,
    pub object_id: String,
    pub sp_object_id: String,
    pub display_name: String,
    pub created: i64,
    pub secrets: Vec<Secret>,
    pub certs: Vec<Cert>,
    pub perms: Vec<Perm>,
}

impl App {
    pub fn multi_tenant(&self) -> bool {
        self.spec.sign_in_audience != "AzureADMyOrg"
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub spec: UserSpec,
    pub object_id: String,
    pub display_name: String,
}

#[derive(Debug, Clone)]
pub struct RoleAssignment {
    pub id: String,
    pub principal_id: String,
    pub principal_type: &'static str,
    pub role_name: String,
    pub role_id: String,
    pub scope: String,
    pub created: i64,
}

#[derive(Debug, Clone)]
pub struct CollectionRole {
    pub principal_id: String,
    pub role: String,
    pub collection: String,
    pub created: i64,
}

#[derive(Debug, Clone)]
pub struct SignIn {
    pub id: String,
    pub app_id: String,
    pub app_name: String,
    pub code: i64,
    pub resource: Option<String>,
    pub at: i64,
    pub user: Option<String>,
}

/// A resource a token can be asked for.
#[derive(Debug, Clone)]
pub struct ResourceRef {
    /// The app id of the resource's service principal.
    pub app_id: String,
    /// `v1` tokens carry the URI as asked; `v2` tokens the app id.
    pub token_version: u8,
}

/// The tenant, resolved. Cloned for each write (see [`WorldCell`]); keys are shared.
#[derive(Clone)]
pub struct World {
    pub t0: i64,
    pub scenario: Scenario,
    pub tenant_id: String,
    pub apps: Vec<App>,
    pub users: Vec<User>,
    pub role_assignments: Vec<RoleAssignment>,
    pub collection_roles: Vec<CollectionRole>,
    pub signins: Vec<SignIn>,
    /// The tenant's token-signing key (published unless the scenario withdrew it) and one
    /// published for rotation.
    pub signing: Arc<CertKey>,
    pub next_signing: Arc<CertKey>,
    /// The external OIDC issuer of federated tokens (`{base}/federation`).
    pub federation: Arc<CertKey>,
    /// A key the client holds that no app registered (`client.certificate = "unregistered"`).
    pub unregistered: Option<Arc<CertKey>>,
    pub workspace_resource_id: String,
    /// The Application Insights component's ARM id.
    pub component_resource_id: String,
    /// The virtual machine's ARM id (custom metrics are sent for it).
    pub vm_resource_id: String,
    /// The data collection rule's ARM id (the Logs Ingestion API authorizes on it).
    pub dcr_resource_id: String,
}

impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World")
            .field("scenario", &self.scenario.name)
            .finish()
    }
}

impl World {
    /// Resolves a scenario at `t0` (Unix seconds), generating its keys.
    pub fn build(scenario: Scenario, t0: i64) -> Result<World, SimError> {
        let rel = |s: &str| t0 + parse_relative(s).unwrap_or(0);
        let year = 365 * 86_400;
        let signing = Arc::new(CertKey::generate(
            "accounts.authcheck-sim.local",
            t0 - year,
            t0 + year,
        )?);
        let next_signing = Arc::new(CertKey::generate(
            "accounts.authcheck-sim.local",
            t0,
            t0 + 2 * year,
        )?);
        let federation = Arc::new(CertKey::generate(
            "federation.authcheck-sim.local",
            t0 - year,
            t0 + year,
        )?);
        let unregistered = if scenario.client.certificate.as_deref() == Some("unregistered") {
            Some(Arc::new(CertKey::generate(
                "unregistered",
                t0 - year,
                t0 + year,
            )?))
        } else {
            None
        };
        let mut apps = vec![];
        for a in &scenario.apps {
            let app_id = a
                .app_id
                .clone()
                .unwrap_or_else(|| derived_guid(&format!("app:{}", a.name)));
            let mut secrets = vec![];
            for (i, s) in a.secrets.iter().enumerate() {
                secrets.push(Secret {
                    key_id: s
                        .key_id
                        .clone()
                        .unwrap_or_else(|| derived_guid(&format!("secret:{}:{i}", a.name))),
                    name: s
                        .name
                        .clone()
                        .unwrap_or_else(|| format!("secret-{}", i + 1)),
                    value: s.value.clone(),
                    start: rel(&s.created),
                    end: rel(&s.expires),
                });
            }
            let mut certs = vec![];
            for c in &a.certificates {
                let (start, end) = (rel(&c.created), rel(&c.expires));
                certs.push(Cert {
                    name: c.name.clone(),
                    key_id: c
                        .key_id
                        .clone()
                        .unwrap_or_else(|| derived_guid(&format!("cert:{}:{}", a.name, c.name))),
                    start,
                    end,
                    key: Arc::new(CertKey::generate(&c.name, start, end)?),
                });
            }
            let perms = a
                .permissions
                .iter()
                .map(|p| {
                    let rid = match apis::by_key(&p.api) {
                        Some(api) => api.app_id.unwrap_or(api.resource_uri).to_string(),
                        None => scenario
                            .apps
                            .iter()
                            .find(|x| x.name == p.api)
                            .and_then(|o| o.app_id.clone())
                            .unwrap_or_else(|| derived_guid(&format!("app:{}", p.api))),
                    };
                    let id = permission_id(&p.kind, &p.value, &rid);
                    Perm {
                        resource_app_id: rid,
                        kind: p.kind.clone(),
                        value: p.value.clone(),
                        id,
                        granted: p.granted,
                        granted_at: rel(&p.granted_at),
                    }
                })
                .collect();
            apps.push(App {
                object_id: a
                    .object_id
                    .clone()
                    .unwrap_or_else(|| derived_guid(&format!("appobj:{}", a.name))),
                sp_object_id: a
                    .sp_object_id
                    .clone()
                    .unwrap_or_else(|| derived_guid(&format!("sp:{}", a.name))),
                display_name: a.display_name.clone().unwrap_or_else(|| a.name.clone()),
                created: rel(&a.created),
                app_id,
                secrets,
                certs,
                perms,
                spec: a.clone(),
            });
        }
        let users: Vec<User> = scenario
            .users
            .iter()
            .map(|u| User {
                object_id: u
                    .object_id
                    .clone()
                    .unwrap_or_else(|| derived_guid(&format!("user:{}", u.upn))),
                display_name: u
                    .display_name
                    .clone()
                    .unwrap_or_else(|| u.upn.split('@').next().unwrap_or("").to_string()),
                spec: u.clone(),
            })
            .collect();
        let az = &scenario.azure;
        let sub_scope = format!("/subscriptions/{}", az.subscription_id);
        let rg_scope = format!("{sub_scope}/resourceGroups/{}", az.resource_group);
        let workspace_resource_id = format!(
            "{rg_scope}/providers/Microsoft.OperationalInsights/workspaces/{}",
            az.workspace_name
        );
        let component_resource_id = format!(
            "{rg_scope}/providers/Microsoft.Insights/components/{}",
            az.appinsights_name
        );
        let vm_resource_id = format!(
            "{rg_scope}/providers/Microsoft.Compute/virtualMachines/{}",
            az.vm_name
        );
        let dcr_resource_id = format!(
            "{rg_scope}/providers/Microsoft.Insights/dataCollectionRules/{}",
            az.dcr_name
        );
        let principal = |name: &str| -> Option<(String, &'static str)> {
            if let Some(a) = apps.iter().find(|a| a.spec.name == name) {
                return Some((a.sp_object_id.clone(), "ServicePrincipal"));
            }
            users
                .iter()
                .find(|u| u.spec.upn.eq_ignore_ascii_case(name))
                .map(|u| (u.object_id.clone(), "User"))
        };
        let mut role_assignments = vec![];
        for (i, r) in scenario.role_assignments.iter().enumerate() {
            let (pid, ptype) = principal(&r.principal).ok_or_else(|| {
                SimError::Scenario(format!(
                    "role assignment {i}: principal `{}` is no app or user",
                    r.principal
                ))
            })?;
            let (rname, rid, _) = role_by_name(&r.role).ok_or_else(|| {
                SimError::Scenario(format!(
                    "role assignment {i}: role `{}` is not built in",
                    r.role
                ))
            })?;
            let scope = match r.scope.as_str() {
                "subscription" => sub_scope.clone(),
                "resource-group" => rg_scope.clone(),
                "workspace" => workspace_resource_id.clone(),
                "component" => component_resource_id.clone(),
                "vm" => vm_resource_id.clone(),
                "dcr" => dcr_resource_id.clone(),
                other => other.to_string(),
            };
            role_assignments.push(RoleAssignment {
                id: derived_guid(&format!("ra:{i}:{pid}:{rid}")),
                principal_id: pid,
                principal_type: ptype,
                role_name: rname.to_string(),
                role_id: rid.to_string(),
                scope,
                created: rel(&r.created),
            });
        }
        let mut collection_roles = vec![];
        for (i, r) in scenario.purview.roles.iter().enumerate() {
            let (pid, _) = principal(&r.principal).ok_or_else(|| {
                SimError::Scenario(format!(
                    "purview role {i}: principal `{}` is no app or user",
                    r.principal
                ))
            })?;
            collection_roles.push(CollectionRole {
                principal_id: pid,
                role: r.role.clone(),
                collection: r
                    .collection
                    .clone()
                    .unwrap_or_else(|| scenario.purview.account.clone()),
                created: rel(&r.created),
            });
        }
        let mut signins = vec![];
        for (i, s) in scenario.signins.iter().enumerate() {
            let app = apps.iter().find(|a| a.spec.name == s.app);
            for k in 0..s.count.max(1) {
                signins.push(SignIn {
                    id: derived_guid(&format!("signin:{i}:{k}")),
                    app_id: app.map(|a| a.app_id.clone()).unwrap_or_default(),
                    app_name: app.map(|a| a.display_name.clone()).unwrap_or_default(),
                    code: s.code,
                    resource: s.resource.clone(),
                    at: rel(&s.when) - k * 60,
                    user: s.user.clone(),
                });
            }
        }
        signins.sort_by_key(|s| std::cmp::Reverse(s.at));
        Ok(World {
            t0,
            tenant_id: scenario.tenant.id.clone(),
            apps,
            users,
            role_assignments,
            collection_roles,
            signins,
            signing,
            next_signing,
            federation,
            unregistered,
            workspace_resource_id,
            component_resource_id,
            vm_resource_id,
            dcr_resource_id,
            scenario,
        })
    }

    pub fn tenant_name(&self) -> &str {
        &self.scenario.tenant.display_name
    }

    pub fn app_by_client_id(&self, id: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.app_id.eq_ignore_ascii_case(id))
    }

    pub fn app_by_object_id(&self, id: &str) -> Option<&App> {
        self.apps
            .iter()
            .find(|a| a.object_id.eq_ignore_ascii_case(id))
    }

    pub fn app_by_name(&self, name: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.spec.name == name)
    }

    pub fn user_by_upn(&self, upn: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.spec.upn.eq_ignore_ascii_case(upn))
    }

    /// The signing keys the tenant's key set publishes (and resource servers verify with): the
    /// current key and the next one, without the current key when the scenario withdrew it
    /// (`[signing] publish_current_key = false`).
    pub fn published_keys(&self) -> Vec<&CertKey> {
        if self.scenario.signing.publish_current_key {
            vec![&*self.signing, &*self.next_signing]
        } else {
            vec![&*self.next_signing]
        }
    }

    /// The tenant segment names this tenant (its id or its domain).
    /// The Entra cloud the tenant lives in (validated at load; public when unknown).
    pub fn cloud(&self) -> &'static authcheck_model::knowledge::clouds::Cloud {
        let c = authcheck_model::knowledge::clouds::by_key(&self.scenario.tenant.cloud);
        c.unwrap_or(&authcheck_model::knowledge::clouds::CLOUDS[0])
    }

    /// The Power Platform API deployment the stand-in plays: the scenario's, else the tenant
    /// cloud's own (`usgov` → GCC High).
    pub fn power_platform_cloud(
        &self,
    ) -> &'static authcheck_model::knowledge::clouds::PowerPlatformCloud {
        use authcheck_model::knowledge::clouds;
        let key = self
            .scenario
            .powerplatform
            .cloud
            .clone()
            .unwrap_or_else(|| match self.cloud().key {
                "usgov" => "gcc-high".into(),
                other => other.to_string(),
            });
        clouds::power_platform_by_key(&key).unwrap_or(&clouds::POWER_PLATFORM_CLOUDS[0])
    }

    pub fn is_this_tenant(&self, seg: &str) -> bool {
        seg.eq_ignore_ascii_case(&self.tenant_id)
            || seg.eq_ignore_ascii_case(&self.scenario.tenant.domain)
    }

    /// The resource a v1 `resource` or the resource part of a v2 scope names, if the tenant has
    /// its service principal.
    pub fn resource(&self, uri: &str) -> Option<ResourceRef> {
        if uri.contains("//") && uri.split("://").nth(1).is_some_and(|r| r.contains("//")) {
            return None;
        }
        if !uri.contains("://") && uuid::Uuid::parse_str(uri).is_err() {
            return None;
        }
        if let Some(api) = apis::by_resource(uri) {
            let exact = apis::normalize_resource(uri) == apis::normalize_resource(api.resource_uri)
                || apis::audience_matches(api, uri)
                || api.app_id.is_some_and(|id| id.eq_ignore_ascii_case(uri));
            if !exact {
                return None;
            }
            // A Power Platform audience of another Entra cloud's deployment is no resource of
            // this tenant's directory (GCC's is, in the public cloud: GCC uses public Entra ID).
            if api.key == "powerplatform" {
                if let Some(pp) =
                    authcheck_model::knowledge::clouds::power_platform_by_audience(uri)
                {
                    if pp.entra_cloud != self.cloud().key {
                        return None;
                    }
                }
            }
            if self
                .scenario
                .tenant
                .missing_resource_principals
                .iter()
                .any(|k| apis::by_key(k).is_some_and(|m| m.key == api.key))
            {
                return None;
            }
            return Some(ResourceRef {
                app_id: api.app_id.unwrap_or(api.resource_uri).to_string(),
                token_version: 1,
            });
        }
        let n = apis::normalize_resource(uri);
        self.apps
            .iter()
            .find(|a| {
                a.spec.service_principal
                    && (a.app_id.eq_ignore_ascii_case(&n)
                        || a.spec
                            .identifier_uris
                            .iter()
                            .any(|u| apis::normalize_resource(u) == n))
            })
            .map(|a| ResourceRef {
                app_id: a.app_id.clone(),
                token_version: 2,
            })
    }

    /// Granted application permissions of `app` on the resource.
    pub fn granted_roles(&self, app: &App, resource_app_id: &str) -> Vec<String> {
        app.perms
            .iter()
            .filter(|p| {
                p.kind == "Role"
                    && p.granted
                    && p.resource_app_id.eq_ignore_ascii_case(resource_app_id)
            })
            .map(|p| p.value.clone())
            .collect()
    }

    /// Granted delegated permissions of `app` on the resource.
    pub fn granted_scopes(&self, app: &App, resource_app_id: &str) -> Vec<String> {
        app.perms
            .iter()
            .filter(|p| {
                p.kind == "Scope"
                    && p.granted
                    && p.resource_app_id.eq_ignore_ascii_case(resource_app_id)
            })
            .map(|p| p.value.clone())
            .collect()
    }

    /// The conditional access policy that blocks or demands MFA of this sign-in, if any.
    pub fn ca_for(&self, app: &App, user: Option<&User>) -> Option<&ConditionalAccessSpec> {
        self.scenario.conditional_access.iter().find(|p| {
            if p.state != "enabled" {
                return false;
            }
            match user {
                Some(u) => {
                    let user_in = p
                        .users
                        .iter()
                        .any(|x| x == "All" || x.eq_ignore_ascii_case(&u.spec.upn));
                    let app_in = p.apps.iter().any(|x| x == "All" || *x == app.spec.name);
                    user_in && app_in
                }
                None => p
                    .workload_identities
                    .iter()
                    .any(|x| x == "All" || *x == app.spec.name),
            }
        })
    }

    /// Role assignments of the principal that cover `scope` (at or above it), with whether each
    /// has taken effect at `now`.
    pub fn effective_roles(
        &self,
        principal_id: &str,
        scope: &str,
        now: i64,
    ) -> Vec<(&RoleAssignment, bool)> {
        let s = scope.to_ascii_lowercase();
        self.role_assignments
            .iter()
            .filter(|r| r.principal_id.eq_ignore_ascii_case(principal_id))
            .filter(|r| {
                let rs = r.scope.to_ascii_lowercase();
                s == rs || s.starts_with(&format!("{rs}/"))
            })
            .map(|r| (r, self.in_effect(r.created, now)))
            .collect()
    }

    /// A grant made at `created` is visible to authorization at `now`.
    pub fn in_effect(&self, created: i64, now: i64) -> bool {
        let t = &self.scenario.tenant;
        now >= created + t.propagation_seconds.unwrap_or(t.propagation_minutes * 60)
    }

    /// Purview collections: name → parent.
    pub fn collection_parents(&self) -> HashMap<String, String> {
        self.scenario
            .purview
            .collections
            .iter()
            .map(|c| (c.name.to_ascii_lowercase(), c.parent.to_ascii_lowercase()))
            .collect()
    }

    /// Collection roles the principal holds on `collection` (inherited from parents), with
    /// whether each has taken effect.
    pub fn collection_roles_for(
        &self,
        principal_id: &str,
        collection: &str,
        now: i64,
    ) -> Vec<(String, bool)> {
        let parents = self.collection_parents();
        let mut chain = vec![collection.to_ascii_lowercase()];
        while let Some(p) = parents.get(chain.last().map(String::as_str).unwrap_or("")) {
            if chain.contains(p) || chain.len() > 32 {
                break;
            }
            chain.push(p.clone());
        }
        self.collection_roles
            .iter()
            .filter(|r| r.principal_id.eq_ignore_ascii_case(principal_id))
            .filter(|r| chain.contains(&r.collection.to_ascii_lowercase()))
            .map(|r| (r.role.clone(), self.in_effect(r.created, now)))
            .collect()
    }
}

/// The tenant as the endpoints see it: the current version of the [`World`], replaced whole by
/// each write (copy on write), so a reader never sees a half-made change and every endpoint —
/// the token endpoint included — sees the repaired tenant at once.
///
/// Each version is leaked on purpose and lives as long as the process: a reader holds a plain
/// `&World` (the endpoints' `let w = &sim.world;`) while a write swaps in the next one. A
/// simulator run makes a handful of writes; the keys are shared between versions, so a version
/// costs a few kilobytes.
pub struct WorldCell {
    current: RwLock<&'static World>,
}

impl WorldCell {
    pub fn new(w: World) -> WorldCell {
        WorldCell {
            current: RwLock::new(Box::leak(Box::new(w))),
        }
    }

    /// The current version.
    pub fn get(&self) -> &'static World {
        *self.current.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes the next version from a copy of the current one; it replaces the current one only
    /// when `change` succeeds, so a refused write changes nothing. Writes are serialised.
    pub fn write<R, E>(&self, change: impl FnOnce(&mut World) -> Result<R, E>) -> Result<R, E> {
        let mut cur = self.current.write().unwrap_or_else(PoisonError::into_inner);
        let mut next = (*cur).clone();
        let out = change(&mut next)?;
        *cur = Box::leak(Box::new(next));
        Ok(out)
    }
}

impl std::ops::Deref for WorldCell {
    type Target = World;
    fn deref(&self) -> &World {
        self.get()
    }
}

/// Writes the repair endpoints make (Graph and ARM), on a copy of the tenant.
impl World {
    pub fn app_by_object_id_mut(&mut self, id: &str) -> Option<&mut App> {
        self.apps
            .iter_mut()
            .find(|a| a.object_id.eq_ignore_ascii_case(id))
    }

    /// The app whose service principal has this object id (when it has one).
    pub fn app_by_sp_id(&self, sp_id: &str) -> Option<&App> {
        self.apps
            .iter()
            .find(|a| a.spec.service_principal && a.sp_object_id.eq_ignore_ascii_case(sp_id))
    }

    /// Grants (or adds and grants) a permission of `client_sp_id`'s app on the resource app:
    /// `kind` Role (an app role assignment) or Scope (a delegated grant). Returns false when it
    /// was granted already.
    pub fn grant_permission(
        &mut self,
        client_sp_id: &str,
        resource_app_id: &str,
        kind: &str,
        value: &str,
        id: &str,
        now: i64,
    ) -> bool {
        let Some(app) = self
            .apps
            .iter_mut()
            .find(|a| a.sp_object_id.eq_ignore_ascii_case(client_sp_id))
        else {
            return false;
        };
        match app.perms.iter_mut().find(|p| {
            p.kind == kind
                && p.resource_app_id.eq_ignore_ascii_case(resource_app_id)
                && (p.value == value || p.id.eq_ignore_ascii_case(id))
        }) {
            Some(p) if p.granted => false,
            Some(p) => {
                p.granted = true;
                p.granted_at = now;
                true
            }
            None => {
                app.perms.push(Perm {
                    resource_app_id: resource_app_id.to_string(),
                    kind: kind.to_string(),
                    value: value.to_string(),
                    id: id.to_string(),
                    granted: true,
                    granted_at: now,
                });
                true
            }
        }
    }

    /// Adds a role assignment, unless the same principal already holds the same role at
    /// the same scope (ARM's `RoleAssignmentExists`): false.
    pub fn add_role_assignment(&mut self, ra: RoleAssignment) -> bool {
        let dup = self.role_assignments.iter().any(|r| {
            r.principal_id.eq_ignore_ascii_case(&ra.principal_id)
                && r.role_id.eq_ignore_ascii_case(&ra.role_id)
                && r.scope.eq_ignore_ascii_case(&ra.scope)
        });
        if !dup {
            self.role_assignments.push(ra);
        }
        !dup
    }

    /// Whether a user may use an app that requires assignment: assigned directly, or through a
    /// group they are a member of.
    pub fn user_assigned(&self, app: &App, user: &User) -> bool {
        user.spec.assigned_to.contains(&app.spec.name)
            || self
                .scenario
                .groups
                .iter()
                .any(|g| g.has_member(&user.spec.upn) && g.assigned_to.contains(&app.spec.name))
    }

    /// The principal type of an object id: a service principal or a user.
    pub fn principal_type(&self, object_id: &str) -> Option<&'static str> {
        if self.app_by_sp_id(object_id).is_some() {
            return Some("ServicePrincipal");
        }
        self.users
            .iter()
            .any(|u| u.object_id.eq_ignore_ascii_case(object_id))
            .then_some("User")
    }
}
