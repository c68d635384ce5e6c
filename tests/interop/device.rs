//! The device authorization grant end to end: the device polls while the
//! user approves (or aborts) on oidc-provider's verification pages.

use oauth_core::{Error, ErrorCode};

use crate::interop::harness::{DEVICE, PASSWORD, USER};
use crate::interop::user_agent::User;
use crate::server_or_skip;

#[tokio::test]
async fn device_flow_end_to_end() {
    let server = server_or_skip!();
    let client = server.client(DEVICE);
    let device = client
        .device_authorization(&["openid", "profile"])
        .await
        .unwrap();
    assert_eq!(device.verification_uri().path(), "/device");
    // oidc-provider names no interval: RFC 8628's 5 seconds apply.
    assert_eq!(device.interval().as_secs(), 5);

    let polling = {
        let client = client.clone();
        let device = device.clone();
        tokio::spawn(async move { client.poll_device_token(&device).await })
    };

    let mut user = User::new();
    // The code comes filled in; the user submits it, then confirms it.
    let code_form = user
        .get(device.verification_uri_complete().unwrap())
        .await
        .page();
    let confirm = user.submit(&code_form, &[]).await.page();
    assert!(confirm.1.contains("Confirm Device"), "{}", confirm.1);
    assert!(
        confirm.1.contains(device.user_code()),
        "the page shows the code"
    );
    let sign_in = user.submit(&confirm, &[]).await.page();
    let consent = user
        .submit(&sign_in, &[("login", USER), ("password", PASSWORD)])
        .await
        .page();
    let done = user.submit(&consent, &[]).await.page();
    assert!(done.1.contains("Sign-in Success"), "{}", done.1);

    let token = polling.await.unwrap().unwrap();
    assert!(token.id_token().is_some());
    let answer = client.introspect(token.access_token()).await.unwrap();
    assert!(answer.active);
    assert_eq!(answer.sub.as_deref(), Some(USER));
    assert_eq!(answer.client_id.as_deref(), Some(DEVICE.id));
}

#[tokio::test]
async fn device_flow_aborted_by_the_user_is_a_denial() {
    let server = server_or_skip!();
    let client = server.client(DEVICE);
    let device = client.device_authorization(&["openid"]).await.unwrap();
    let mut user = User::new();
    let code_form = user
        .get(device.verification_uri_complete().unwrap())
        .await
        .page();
    let confirm = user.submit(&code_form, &[]).await.page();
    // The confirmation page's `[ Abort ]` button.
    user.submit(&confirm, &[("abort", "yes")]).await.page();
    match client.poll_device_token(&device).await {
        Err(Error::AuthorizationDenied(denied)) => {
            assert_eq!(denied.error, ErrorCode::AccessDenied);
        }
        other => panic!("expected a denial, got {other:?}"),
    }
}
