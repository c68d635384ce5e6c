//! The RingPlus API's resources, as typed values: ids, users, accounts,
//! change requests, usage records and voicemail.

use std::fmt;
use std::time::Duration;

use oauth_core::Password;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::serde_time;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl $name {
            /// The number itself.
            #[must_use]
            pub fn get(self) -> u64 {
                self.0
            }
        }

        impl From<u64> for $name {
            fn from(id: u64) -> Self {
                $name(id)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    )*};
}

id_type! {
    /// The id of a RingPlus user.
    UserId;
    /// The id of an account (a phone line).
    AccountId;
    /// The id of an account's voicemail box.
    VoicemailBoxId;
    /// The id of a voicemail message.
    VoicemailMessageId;
    /// The id of an account registration request.
    AccountRegistrationRequestId;
    /// The id of a device change request.
    DeviceChangeRequestId;
    /// The id of a phone number change request.
    PhoneNumberChangeRequestId;
}

/// A RingPlus user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct User {
    /// The user's id.
    pub id: UserId,
    /// The sign-in email address.
    pub email: String,
    /// The display name.
    pub name: String,
    /// When the user signed up.
    #[serde(with = "serde_time::datetime")]
    pub created_at: OffsetDateTime,
}

/// A RingPlus account: one phone line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Account {
    /// The account's id.
    pub id: AccountId,
    /// The user who owns it.
    pub user_id: UserId,
    /// The account's name.
    pub name: String,
    /// The line's phone number.
    pub phone_number: String,
    /// The device's ESN or MEID.
    pub device_esn: String,
    /// The plan's name.
    #[serde(default)]
    pub plan: Option<String>,
    /// The balance in dollars, as the decimal string RingPlus sends (kept
    /// as text so no cent is lost to floating point).
    #[serde(default)]
    pub balance: Option<String>,
    /// The line's voicemail box.
    pub voicemail_box_id: VoicemailBoxId,
}

/// Where a change request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RequestStatus {
    /// Received, not yet carried out.
    Pending,
    /// Carried out.
    Completed,
    /// Refused or failed.
    Failed,
    /// A status this crate does not know.
    #[serde(other)]
    Unknown,
}

/// A request to register a new account (line) for a user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccountRegistrationRequest {
    /// The request's id.
    pub id: AccountRegistrationRequestId,
    /// The user it is for.
    pub user_id: UserId,
    /// The new account's name, if given.
    #[serde(default)]
    pub name: Option<String>,
    /// The device's ESN or MEID.
    pub device_esn: String,
    /// The billing ZIP code, if given.
    #[serde(default)]
    pub billing_zip: Option<String>,
    /// Where it stands.
    pub status: RequestStatus,
    /// When it was made.
    #[serde(with = "serde_time::datetime")]
    pub created_at: OffsetDateTime,
}

/// A request to move an account to another device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeviceChangeRequest {
    /// The request's id.
    pub id: DeviceChangeRequestId,
    /// The account it changes.
    pub account_id: AccountId,
    /// The new device's ESN or MEID.
    pub device_esn: String,
    /// Where it stands.
    pub status: RequestStatus,
    /// When it was made.
    #[serde(with = "serde_time::datetime")]
    pub created_at: OffsetDateTime,
}

/// A request for a new phone number in an area code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PhoneNumberChangeRequest {
    /// The request's id.
    pub id: PhoneNumberChangeRequestId,
    /// The account it changes.
    pub account_id: AccountId,
    /// The area code asked for.
    pub area_code: String,
    /// Where it stands.
    pub status: RequestStatus,
    /// When it was made.
    #[serde(with = "serde_time::datetime")]
    pub created_at: OffsetDateTime,
}

/// A carrier service and whether the account has it on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CarrierService {
    /// The service's id.
    pub id: u64,
    /// Its name.
    pub name: String,
    /// Whether it is on for the account.
    pub enabled: bool,
}

/// SIP credentials for FluidCall, RingPlus's calling over the internet.
///
/// The password is a [`Password`]: redacted in `Debug`, read with
/// [`Password::secret`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FluidcallCredentials {
    /// The account they belong to.
    pub account_id: AccountId,
    /// The SIP username.
    pub username: String,
    /// The SIP password.
    pub password: Password,
    /// The SIP domain.
    pub domain: String,
}

/// Which way a call or text went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Direction {
    /// From the account's line.
    Outbound,
    /// To the account's line.
    Inbound,
    /// A direction this crate does not know.
    #[serde(other)]
    Unknown,
}

/// A phone call on an account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PhoneCall {
    /// The record's id.
    pub id: u64,
    /// The account.
    pub account_id: AccountId,
    /// Which way it went.
    pub direction: Direction,
    /// The other party's number.
    pub phone_number: String,
    /// When it started.
    #[serde(with = "serde_time::datetime")]
    pub started_at: OffsetDateTime,
    /// How long it lasted, in seconds; see [`PhoneCall::duration`].
    #[serde(rename = "duration")]
    pub duration_seconds: u64,
}

impl PhoneCall {
    /// How long the call lasted.
    #[must_use]
    pub fn duration(&self) -> Duration {
        Duration::from_secs(self.duration_seconds)
    }
}

/// A text message on an account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PhoneText {
    /// The record's id.
    pub id: u64,
    /// The account.
    pub account_id: AccountId,
    /// Which way it went.
    pub direction: Direction,
    /// The other party's number.
    pub phone_number: String,
    /// When it was sent.
    #[serde(with = "serde_time::datetime")]
    pub sent_at: OffsetDateTime,
}

/// One day's mobile data use on an account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PhoneData {
    /// The record's id.
    pub id: u64,
    /// The account.
    pub account_id: AccountId,
    /// The day.
    #[serde(with = "serde_time::date")]
    pub date: Date,
    /// Kilobytes used that day.
    pub kilobytes: u64,
}

/// A voicemail message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VoicemailMessage {
    /// The message's id.
    pub id: VoicemailMessageId,
    /// The box it is in.
    pub voicemail_box_id: VoicemailBoxId,
    /// The caller's number.
    pub caller_id: String,
    /// Its length in seconds; see [`VoicemailMessage::duration`].
    #[serde(rename = "duration")]
    pub duration_seconds: u64,
    /// When it was left.
    #[serde(with = "serde_time::datetime")]
    pub created_at: OffsetDateTime,
    /// Whether it has been listened to.
    #[serde(default)]
    pub heard: bool,
}

impl VoicemailMessage {
    /// How long the message is.
    #[must_use]
    pub fn duration(&self) -> Duration {
        Duration::from_secs(self.duration_seconds)
    }
}
