//! The HTML pages a person sees: sign-in, consent and errors. Plain forms,
//! no JavaScript, every dynamic value escaped.

use crate::config::Profile;
use crate::wire::html_escape as esc;

const STYLE: &str = "body{font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}\
label{display:block;margin:.8rem 0 .2rem}input[type=text],input[type=password]{width:100%;padding:.4rem}\
button,input[type=submit]{margin:1rem .5rem 0 0;padding:.4rem 1.2rem}.error{color:#a00}";

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n",
        title = esc(title),
    )
}

fn brand(profile: Profile) -> &'static str {
    match profile {
        Profile::Generic => "OAuth Sandbox",
        Profile::BattleNet => "Battle.net (sandbox)",
        Profile::RingPlus => "RingPlus (sandbox)",
    }
}

/// A page explaining why a request was refused.
pub(crate) fn error(profile: Profile, message: &str) -> String {
    layout(
        "Error",
        &format!(
            "<h1>{}</h1>\n<h2>The request was refused</h2>\n<p class=\"error\" id=\"error\">{}</p>",
            esc(brand(profile)),
            esc(message)
        ),
    )
}

/// The sign-in form; `message` reports a failed attempt.
pub(crate) fn sign_in(profile: Profile, csrf: &str, message: Option<&str>) -> String {
    let alert = message
        .map(|m| {
            format!(
                "<p class=\"error\" id=\"error\" role=\"alert\">{}</p>\n",
                esc(m)
            )
        })
        .unwrap_or_default();
    let form = match profile {
        Profile::RingPlus => format!(
            "<form id=\"new_user\" class=\"new_user\" action=\"/users/sign_in\" accept-charset=\"UTF-8\" method=\"post\">\n\
             <input name=\"utf8\" type=\"hidden\" value=\"&#x2713;\">\n\
             <input type=\"hidden\" name=\"authenticity_token\" value=\"{csrf}\">\n\
             <label for=\"user_email\">Email</label>\n\
             <input type=\"text\" name=\"user[email]\" id=\"user_email\" autocomplete=\"username\" autofocus>\n\
             <label for=\"user_password\">Password</label>\n\
             <input type=\"password\" name=\"user[password]\" id=\"user_password\" autocomplete=\"current-password\">\n\
             <input type=\"submit\" name=\"commit\" value=\"Log in\">\n\
             </form>",
            csrf = esc(csrf)
        ),
        Profile::Generic | Profile::BattleNet => format!(
            "<form id=\"sign-in\" action=\"/login\" method=\"post\">\n\
             <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\n\
             <label for=\"username\">Login</label>\n\
             <input type=\"text\" name=\"username\" id=\"username\" autocomplete=\"username\" autofocus>\n\
             <label for=\"password\">Password</label>\n\
             <input type=\"password\" name=\"password\" id=\"password\" autocomplete=\"current-password\">\n\
             <button type=\"submit\">Sign in</button>\n\
             </form>",
            csrf = esc(csrf)
        ),
    };
    layout(
        "Sign in",
        &format!(
            "<h1>{}</h1>\n<h2>Sign in</h2>\n{alert}{form}",
            esc(brand(profile))
        ),
    )
}

/// What the consent page shows and submits.
#[derive(Debug)]
pub(crate) struct Consent<'a> {
    pub(crate) csrf: &'a str,
    pub(crate) request_id: &'a str,
    pub(crate) client_id: &'a str,
    pub(crate) user: &'a str,
    pub(crate) scopes: &'a [String],
}

/// The consent page: approve or deny.
pub(crate) fn consent(profile: Profile, consent: &Consent<'_>) -> String {
    let scopes = if consent.scopes.is_empty() {
        "<li>basic access</li>".to_owned()
    } else {
        consent
            .scopes
            .iter()
            .map(|s| format!("<li><code>{}</code></li>", esc(s)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let intro = format!(
        "<h1>{}</h1>\n<h2>Authorize <strong>{}</strong>?</h2>\n\
         <p>Signed in as <strong>{}</strong>. The application asks for:</p>\n<ul id=\"scopes\">\n{scopes}\n</ul>\n",
        esc(brand(profile)),
        esc(consent.client_id),
        esc(consent.user),
    );
    let forms = match profile {
        // Doorkeeper renders two forms: POST to authorize, DELETE to deny.
        Profile::RingPlus => {
            let hidden = format!(
                "<input name=\"utf8\" type=\"hidden\" value=\"&#x2713;\">\n\
                 <input type=\"hidden\" name=\"authenticity_token\" value=\"{}\">\n\
                 <input type=\"hidden\" name=\"request\" value=\"{}\">\n\
                 <input type=\"hidden\" name=\"client_id\" value=\"{}\">\n",
                esc(consent.csrf),
                esc(consent.request_id),
                esc(consent.client_id),
            );
            format!(
                "<form id=\"authorize\" action=\"/oauth/authorize\" accept-charset=\"UTF-8\" method=\"post\">\n{hidden}\
                 <input type=\"submit\" name=\"commit\" value=\"Authorize\">\n</form>\n\
                 <form id=\"deny\" action=\"/oauth/authorize\" accept-charset=\"UTF-8\" method=\"post\">\n\
                 <input type=\"hidden\" name=\"_method\" value=\"delete\">\n{hidden}\
                 <input type=\"submit\" name=\"commit\" value=\"Deny\">\n</form>"
            )
        }
        Profile::Generic | Profile::BattleNet => format!(
            "<form id=\"consent\" action=\"/consent\" method=\"post\">\n\
             <input type=\"hidden\" name=\"csrf_token\" value=\"{}\">\n\
             <input type=\"hidden\" name=\"request\" value=\"{}\">\n\
             <button type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>\n\
             <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\n</form>",
            esc(consent.csrf),
            esc(consent.request_id),
        ),
    };
    layout("Authorize application", &format!("{intro}{forms}"))
}

/// Shown after a sign-in that was not part of an authorization request.
pub(crate) fn signed_in(profile: Profile, user: &str) -> String {
    layout(
        "Signed in",
        &format!(
            "<h1>{}</h1>\n<p id=\"signed-in\">Signed in as <strong>{}</strong>.</p>",
            esc(brand(profile)),
            esc(user)
        ),
    )
}
