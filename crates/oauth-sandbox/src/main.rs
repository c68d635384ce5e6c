//! The `oauth-sandbox` command: runs a sandbox by hand, for developing an
//! application against an emulated provider with a real browser.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]

use std::process::ExitCode;
use std::time::Duration;

use oauth_sandbox::{ClientConfig, Grant, Profile, Sandbox, UserConfig};

const HELP: &str = "\
oauth-sandbox: a real OAuth 2.0 authorization server on loopback that
emulates Battle.net, RingPlus or a generic provider.

USAGE:
    oauth-sandbox [OPTIONS]

OPTIONS:
    --provider <NAME>        generic (default), battlenet or ringplus
    --port <PORT>            port of the OAuth listener on 127.0.0.1;
                             0 (default) lets the OS pick one
    --api-port <PORT>        port of the API listener; default PORT+1 when
                             --port is not 0, otherwise picked by the OS
    --client-id <ID>         id of the registered client (default sandbox-client)
    --client-secret <SECRET> its secret (default sandbox-secret)
    --redirect-uri <URI>     a redirect URI registered for the client; may be
                             repeated (default http://127.0.0.1:3000/callback)
    --user <LOGIN>           login of the registered user (default alice)
    --password <PASSWORD>    the user's password (default wonderland)
    --rate-limit <N|off>     API requests per second per client (default:
                             100 for battlenet, off otherwise)
    --token-lifetime <SECS>  access-token lifetime (default: battlenet 86399,
                             ringplus 86400, generic 3600)
    -h, --help               print this help

The client may use every grant (authorization_code, client_credentials,
refresh_token, password) with HTTP Basic or form-body authentication.
The OAuth and API base URLs are printed at start; open the authorization
endpoint with the client's parameters in a browser to sign in and consent
(plain HTML forms, no JavaScript). The server runs until Ctrl-C.

EXAMPLES:
    cargo run -p oauth-sandbox -- --provider battlenet --port 8080
    cargo run -p oauth-sandbox -- --provider ringplus --redirect-uri http://localhost:5000/cb
";

/// What the command line asks for.
#[derive(Debug)]
enum Command {
    Help,
    Run(Options),
}

#[derive(Debug)]
struct Options {
    profile: Profile,
    port: u16,
    api_port: Option<u16>,
    client_id: String,
    client_secret: String,
    redirect_uris: Vec<String>,
    login: String,
    password: String,
    rate_limit: Option<Option<u32>>,
    token_lifetime: Option<Duration>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            profile: Profile::Generic,
            port: 0,
            api_port: None,
            client_id: "sandbox-client".to_owned(),
            client_secret: "sandbox-secret".to_owned(),
            redirect_uris: Vec::new(),
            login: "alice".to_owned(),
            password: "wonderland".to_owned(),
            rate_limit: None,
            token_lifetime: None,
        }
    }
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut options = Options::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(Command::Help);
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        if !flag.starts_with("--") {
            return Err(format!("unexpected argument {arg}"));
        }
        let known = [
            "--provider",
            "--port",
            "--api-port",
            "--client-id",
            "--client-secret",
            "--redirect-uri",
            "--user",
            "--password",
            "--rate-limit",
            "--token-lifetime",
        ];
        if !known.contains(&flag.as_str()) {
            return Err(format!("unknown option {flag}"));
        }
        let value = match inline {
            Some(value) => value,
            None => args.next().ok_or_else(|| format!("{flag} needs a value"))?,
        };
        match flag.as_str() {
            "--provider" => {
                options.profile = Profile::from_name(&value).ok_or_else(|| {
                    format!("unknown provider {value}; expected generic, battlenet or ringplus")
                })?;
            }
            "--port" => options.port = parse_port(&flag, &value)?,
            "--api-port" => options.api_port = Some(parse_port(&flag, &value)?),
            "--client-id" => options.client_id = non_empty(&flag, value)?,
            "--client-secret" => options.client_secret = non_empty(&flag, value)?,
            "--redirect-uri" => {
                url::Url::parse(&value)
                    .map_err(|e| format!("--redirect-uri {value} is not a url: {e}"))?;
                options.redirect_uris.push(value);
            }
            "--user" => options.login = non_empty(&flag, value)?,
            "--password" => options.password = non_empty(&flag, value)?,
            "--rate-limit" => {
                options.rate_limit = Some(if value == "off" {
                    None
                } else {
                    Some(value.parse().map_err(|_| {
                        format!("--rate-limit expects a number or off, got {value}")
                    })?)
                });
            }
            "--token-lifetime" => {
                let secs: u64 = value
                    .parse()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("--token-lifetime expects seconds, got {value}"))?;
                options.token_lifetime = Some(Duration::from_secs(secs));
            }
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(Command::Run(options))
}

fn parse_port(flag: &str, value: &str) -> Result<u16, String> {
    value
        .parse()
        .map_err(|_| format!("{flag} expects a port number from 0 to 65535, got {value}"))
}

fn non_empty(flag: &str, value: String) -> Result<String, String> {
    if value.is_empty() {
        Err(format!("{flag} must not be empty"))
    } else {
        Ok(value)
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match parse_args(std::env::args().skip(1)) {
        Ok(Command::Help) => {
            print_help();
            ExitCode::SUCCESS
        }
        Ok(Command::Run(options)) => run(options).await,
        Err(message) => {
            report_error(&message);
            ExitCode::from(2)
        }
    }
}

#[allow(clippy::print_stdout, reason = "the help text is the command's output")]
fn print_help() {
    print!("{HELP}");
}

#[allow(clippy::print_stderr, reason = "a command-line error goes to stderr")]
fn report_error(message: &str) {
    eprintln!("oauth-sandbox: {message}\nTry 'oauth-sandbox --help' for the options.");
}

async fn run(options: Options) -> ExitCode {
    let redirect_uris = if options.redirect_uris.is_empty() {
        vec!["http://127.0.0.1:3000/callback".to_owned()]
    } else {
        options.redirect_uris.clone()
    };
    let mut client =
        ClientConfig::confidential(&options.client_id, &options.client_secret).grants([
            Grant::AuthorizationCode,
            Grant::ClientCredentials,
            Grant::RefreshToken,
            Grant::Password,
        ]);
    for uri in &redirect_uris {
        client = client.redirect_uri(uri);
    }
    let api_port = options.api_port.unwrap_or(if options.port == 0 {
        0
    } else {
        options.port.saturating_add(1)
    });
    let mut builder = Sandbox::builder()
        .profile(options.profile)
        .client(client)
        .user(UserConfig::new(&options.login, &options.password))
        .oauth_port(options.port)
        .api_port(api_port);
    if let Some(limit) = options.rate_limit {
        builder = builder.rate_limit(limit);
    }
    if let Some(lifetime) = options.token_lifetime {
        builder = builder.access_token_lifetime(lifetime);
    }
    let sandbox = match builder.start().await {
        Ok(sandbox) => sandbox,
        Err(error) => {
            report_error(&format!("cannot listen: {error}"));
            return ExitCode::FAILURE;
        }
    };
    print_banner(&sandbox, &options, &redirect_uris);
    // Ctrl-C ends the process; the listeners go with it.
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}

#[allow(
    clippy::print_stdout,
    reason = "the banner tells the person at the terminal what to use"
)]
fn print_banner(sandbox: &Sandbox, options: &Options, redirect_uris: &[String]) {
    println!("oauth-sandbox emulating {}", options.profile.name());
    println!("  oauth base:     {}", sandbox.oauth_url());
    println!("  api base:       {}", sandbox.api_url());
    println!("  authorization:  {}", sandbox.authorization_endpoint());
    println!("  token:          {}", sandbox.token_endpoint());
    println!("client");
    println!("  id:             {}", options.client_id);
    println!("  secret:         {}", options.client_secret);
    for uri in redirect_uris {
        println!("  redirect uri:   {uri}");
    }
    println!("user");
    println!("  login:          {}", options.login);
    println!("  password:       {}", options.password);
    let mut example = sandbox.authorization_endpoint();
    example
        .query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &options.client_id)
        .append_pair("redirect_uri", &redirect_uris[0])
        .append_pair("state", "try-me");
    println!("try in a browser:");
    println!("  {example}");
    println!("press Ctrl-C to stop");
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly on purpose")]

    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_flags_in_both_forms() {
        let Command::Run(options) = parse_args(args(&[
            "--provider",
            "battlenet",
            "--port=8080",
            "--rate-limit",
            "off",
            "--redirect-uri",
            "http://localhost:1/cb",
        ]))
        .unwrap() else {
            panic!("expected a run command");
        };
        assert_eq!(options.profile, Profile::BattleNet);
        assert_eq!(options.port, 8080);
        assert_eq!(options.rate_limit, Some(None));
        assert_eq!(options.redirect_uris, ["http://localhost:1/cb"]);
    }

    #[test]
    fn help_wins() {
        assert!(matches!(
            parse_args(args(&["--port", "1", "--help"])),
            Ok(Command::Help)
        ));
    }

    #[test]
    fn bad_flags_are_explained() {
        assert_eq!(
            parse_args(args(&["--bogus"])).unwrap_err(),
            "unknown option --bogus"
        );
        assert_eq!(
            parse_args(args(&["--port"])).unwrap_err(),
            "--port needs a value"
        );
        assert_eq!(
            parse_args(args(&["--port", "99999"])).unwrap_err(),
            "--port expects a port number from 0 to 65535, got 99999"
        );
        assert_eq!(
            parse_args(args(&["--provider", "github"])).unwrap_err(),
            "unknown provider github; expected generic, battlenet or ringplus"
        );
        assert_eq!(
            parse_args(args(&["stray"])).unwrap_err(),
            "unexpected argument stray"
        );
    }
}
