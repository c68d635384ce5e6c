//! The response cache on Battle.net's answers: game data shared by every
//! client of the application, a user's profile served to that user only.

use oauth_core::cache::ResponseCache;

use super::*;

#[tokio::test]
async fn game_data_comes_from_the_cache_and_a_profile_only_to_its_user() {
    let sandbox = Sandbox::builder()
        .profile(Profile::BattleNet)
        .client(ClientConfig::confidential(ID, SECRET).redirect_uri(REDIRECT))
        .user(UserConfig::new("alice", "wonderland"))
        .user(UserConfig::new("bob", "builder"))
        .start()
        .await
        .unwrap();
    // One cache for the application's two clients: the credential
    // workflow's and the user workflow's.
    let cache = ResponseCache::memory(8 << 20);
    let app = builder(&sandbox).cache(cache.clone()).build().unwrap();
    let client = builder(&sandbox)
        .scope("openid wow.profile")
        .redirect_uri(REDIRECT)
        .cache(cache.clone())
        .build()
        .unwrap();

    // Game data: the second call, from a clone, never leaves.
    let first: Value = mage(&app, Some(Locale::EnUs)).await.unwrap();
    let again: Value = mage(&app.clone(), Some(Locale::EnUs)).await.unwrap();
    assert_eq!(again, first);
    assert_eq!(requests_to(&sandbox, "/data/wow/playable-class/8").len(), 1);

    // Profiles (`private`): each user's own, from the cache on the second
    // call, never the other's.
    let alice = sign_in(&client, "alice", "wonderland").await;
    let bob = sign_in(&client, "bob", "builder").await;
    let name = |profile: &Value| profile["wow_accounts"][0]["characters"][0]["name"].clone();
    let alices: Value = wow_profile(&alice, Some(Locale::EnUs)).await.unwrap();
    let bobs: Value = wow_profile(&bob, Some(Locale::EnUs)).await.unwrap();
    assert_eq!(name(&alices), "Alicemage");
    assert_ne!(name(&bobs), name(&alices), "bob's own profile");
    let alices_again: Value = wow_profile(&alice, Some(Locale::EnUs)).await.unwrap();
    assert_eq!(alices_again, alices);
    let bobs_again: Value = wow_profile(&bob, Some(Locale::EnUs)).await.unwrap();
    assert_eq!(bobs_again, bobs);
    assert_eq!(
        requests_to(&sandbox, "/profile/user/wow").len(),
        2,
        "one for each user"
    );
    // The application's own token never gets a user's answer: it asks,
    // and is refused for want of the scope.
    let refused = wow_profile(&app, Some(Locale::EnUs)).await.unwrap_err();
    assert!(!matches!(refused, Error::Workflow(_)), "{refused:?}");
    assert_eq!(requests_to(&sandbox, "/profile/user/wow").len(), 3);

    let stats = cache.stats();
    assert_eq!((stats.hits, stats.misses), (3, 4));
}
