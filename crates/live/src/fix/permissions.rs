//! What the operator needs for each repair: the Graph permissions (application permissions in an
//! app-only token's `roles`, delegated ones in `scp`) and the ARM action, each with the page that
//! says so. Facts only; the plan quotes them and the pre-check tests the operator's token
//! against them.

/// A write the repairs make, and what its caller must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    /// What the plan says the operator needs.
    pub named: &'static str,
    /// Graph permissions any one of which is enough (empty for ARM).
    pub any_of: &'static [&'static str],
    /// Graph permissions all of which are needed besides (`appRoleAssignedTo` also reads apps).
    pub and_one_of: &'static [&'static str],
    /// The ARM action the caller must hold at the scope (ARM writes only).
    pub arm_action: Option<&'static str>,
    pub source: &'static str,
}

const READ_APPS: &[&str] = &[
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];

/// `POST /oauth2PermissionGrants` (admin consent to delegated permissions).
pub const GRANT_DELEGATED: Need = Need {
    named: "DelegatedPermissionGrant.ReadWrite.All (Graph)",
    any_of: &[
        "DelegatedPermissionGrant.ReadWrite.All",
        "Directory.ReadWrite.All",
    ],
    and_one_of: &[],
    arm_action: None,
    source: "https://learn.microsoft.com/en-us/graph/api/oauth2permissiongrant-post",
};

/// `PATCH /oauth2PermissionGrants/{id}` (more scopes on an existing grant).
pub const GRANT_DELEGATED_UPDATE: Need = Need {
    source: "https://learn.microsoft.com/en-us/graph/api/oauth2permissiongrant-update",
    ..GRANT_DELEGATED
};

/// `POST /servicePrincipals/{resource}/appRoleAssignedTo` (admin consent to an application permission).
pub const ASSIGN_APP_ROLE: Need = Need {
    named: "AppRoleAssignment.ReadWrite.All and Application.Read.All (Graph)",
    any_of: &["AppRoleAssignment.ReadWrite.All"],
    and_one_of: READ_APPS,
    arm_action: None,
    source: "https://learn.microsoft.com/en-us/graph/api/serviceprincipal-post-approleassignedto",
};

/// `POST /servicePrincipals` (an enterprise application for an app id).
pub const CREATE_SP: Need = Need {
    named: "Application.ReadWrite.All (Graph)",
    any_of: &["Application.ReadWrite.All", "Directory.ReadWrite.All"],
    and_one_of: &[],
    arm_action: None,
    source: "https://learn.microsoft.com/en-us/graph/api/serviceprincipal-post-serviceprincipals",
};

/// `PATCH /applications/{id}`, `addPassword`, `federatedIdentityCredentials`.
pub const WRITE_APP: Need = Need {
    named: "Application.ReadWrite.All (Graph)",
    any_of: &["Application.ReadWrite.All"],
    and_one_of: &[],
    arm_action: None,
    source: "https://learn.microsoft.com/en-us/graph/api/application-update",
};

/// `PATCH /servicePrincipals/{id}` ("Assignment required" off). Application.ReadWrite.OwnedBy is
/// enough for an app the operator's app owns; the plan names the permission that always is.
pub const WRITE_SP: Need = Need {
    named: "Application.ReadWrite.All (Graph)",
    any_of: &["Application.ReadWrite.All", "Directory.ReadWrite.All"],
    and_one_of: &[],
    arm_action: None,
    source: "https://learn.microsoft.com/en-us/graph/api/serviceprincipal-update",
};

/// `PUT …/roleAssignments/{id}`: Owner, User Access Administrator, Role Based Access Control
/// Administrator, or a custom role with the action.
pub const ASSIGN_AZURE_ROLE: Need = Need {
    named: "Microsoft.Authorization/roleAssignments/write at the scope (Owner, User Access Administrator or Role Based Access Control Administrator)",
    any_of: &[],
    and_one_of: &[],
    arm_action: Some("Microsoft.Authorization/roleAssignments/write"),
    source: "https://learn.microsoft.com/en-us/azure/role-based-access-control/role-assignments-rest",
};

/// A delegated Graph token carrying this scope acts with the signed-in user's directory roles:
/// whether a write is allowed cannot be told from the token alone.
pub const ACTS_AS_USER: &str = "Directory.AccessAsUser.All";

impl Need {
    /// Whether Graph permissions held (`roles` and `scp` together) cover this need.
    pub fn met_by(&self, held: &[String]) -> bool {
        let has = |list: &[&str]| list.iter().any(|n| held.iter().any(|h| h == n));
        has(self.any_of) && (self.and_one_of.is_empty() || has(self.and_one_of))
    }
}

/// Whether an ARM permission pattern (`*`, `Microsoft.Authorization/*`, `*/read`) covers an action.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    let (p, a) = (pattern.to_ascii_lowercase(), action.to_ascii_lowercase());
    if p == "*" {
        return true;
    }
    if let Some(suffix) = p.strip_prefix('*') {
        return a.ends_with(suffix);
    }
    match p.strip_suffix('*') {
        Some(prefix) => a.starts_with(prefix),
        None => p == a,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let w = "Microsoft.Authorization/roleAssignments/write";
        assert!(action_matches("*", w));
        assert!(action_matches("Microsoft.Authorization/*", w));
        assert!(!action_matches("*/read", w));
        assert!(!action_matches("Microsoft.Insights/*", w));
    }

    #[test]
    fn app_role_needs_both() {
        let held = vec!["AppRoleAssignment.ReadWrite.All".to_string()];
        assert!(!ASSIGN_APP_ROLE.met_by(&held));
        let held = vec![
            "AppRoleAssignment.ReadWrite.All".to_string(),
            "Application.Read.All".to_string(),
        ];
        assert!(ASSIGN_APP_ROLE.met_by(&held));
    }
}
