//! Discovery, revocation and introspection.

use oauth_core::{ClientAuth, GenericProvider, Provider as _};

use crate::interop::harness::{CONFIDENTIAL_BASIC, transport};
use crate::server_or_skip;

#[tokio::test]
async fn discovery_finds_every_endpoint() {
    let server = server_or_skip!();
    let provider = GenericProvider::discover_with(server.issuer_str(), &*transport())
        .await
        .unwrap();
    assert_eq!(provider.endpoints(), &server.endpoints());
    assert_eq!(provider.client_auth(), ClientAuth::Basic);
    assert!(provider.pkce());
    let metadata = provider.metadata().unwrap();
    assert_eq!(metadata.issuer(), server.issuer_str());
    assert_eq!(
        metadata.jwks_uri().map(oauth_core::url::Url::as_str),
        Some(format!("{}/jwks", server.issuer_str()).as_str())
    );
    assert_eq!(
        metadata.code_challenge_methods_supported(),
        Some(&["S256".to_owned()][..])
    );
    // The same issuer with a trailing slash is the same issuer.
    let again = GenericProvider::discover_with(server.issuer().as_str(), &*transport())
        .await
        .unwrap();
    assert_eq!(again.endpoints(), provider.endpoints());
}

#[tokio::test]
async fn revoked_access_token_introspects_inactive() {
    let server = server_or_skip!();
    let client = server.client(CONFIDENTIAL_BASIC);
    let token = client.client_credentials(&["api:read"]).await.unwrap();

    let active = client.introspect(token.access_token()).await.unwrap();
    assert!(active.active);
    assert_eq!(active.client_id.as_deref(), Some(CONFIDENTIAL_BASIC.id));
    assert_eq!(active.scopes, Some(vec!["api:read".to_owned()]));
    assert_eq!(active.token_type.as_deref(), Some("Bearer"));
    assert!(active.expires_at.is_some());

    client.revoke(token.access_token()).await.unwrap();
    let inactive = client.introspect(token.access_token()).await.unwrap();
    assert!(!inactive.active);
    assert_eq!(inactive.scopes, None);
    // Revoking again is not an error (RFC 7009 §2.2).
    client.revoke(token.access_token()).await.unwrap();
}
