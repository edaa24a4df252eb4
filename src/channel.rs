//! Channels: where a conversation happens, and the properties the logic
//! depends on.
//!
//! ```
//! use supportdesk::Channel;
//! assert!(Channel::LiveChat.is_synchronous());
//! assert!(!Channel::Email.is_synchronous());
//! assert!(Channel::SocialPost.is_public());
//! assert!(Channel::Email.supports_proactive());
//! assert!(!Channel::HelpCenter.supports_proactive());
//! assert_eq!("live_chat".parse::<Channel>()?, Channel::LiveChat);
//! # Ok::<(), supportdesk::channel::UnknownChannel>(())
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A support channel (docs/domain.md section 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Channel {
    /// Email.
    Email,
    /// A contact form on the web site or in the app.
    WebForm,
    /// Live chat on the web site or in the app.
    LiveChat,
    /// A live phone call.
    Phone,
    /// A voicemail left on the phone line.
    Voicemail,
    /// SMS text messages.
    Sms,
    /// WhatsApp messages.
    #[serde(rename = "whatsapp")]
    WhatsApp,
    /// Facebook Messenger messages.
    Messenger,
    /// Instagram direct messages.
    Instagram,
    /// A public post or comment on a social network (everyone sees replies).
    SocialPost,
    /// A private message on a social network.
    SocialDirectMessage,
    /// Help center / FAQ (self-service; a contact starts from an article).
    HelpCenter,
    /// A chatbot conversation.
    Chatbot,
    /// In person (store, counter, visit).
    InPerson,
    /// Postal mail.
    PostalMail,
    /// Created by another system through an API.
    Api,
}

/// Whether a channel is a live session or a resumable conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Synchrony {
    /// A real-time session with a start and an end (chat, phone, in person).
    Synchronous,
    /// The conversation can pause and resume without losing context.
    Asynchronous,
}

/// Who sees the replies on a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Only the customer (and the team).
    Private,
    /// Everyone: a reply on a public social post.
    Public,
}

/// The static properties of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChannelProperties {
    /// Live session or resumable conversation.
    pub synchrony: Synchrony,
    /// Who sees replies.
    pub audience: Audience,
    /// Customers can start a conversation here (reactive support).
    pub reactive: bool,
    /// The team can start a conversation here (proactive support, e.g. an
    /// outage notice).
    pub proactive: bool,
    /// The channel is usually staffed only part of the day (a phone line or a
    /// chat with opening hours) rather than worked from a queue.
    pub staffed_hours: bool,
}

impl Channel {
    /// Every channel, in declaration order.
    pub const ALL: [Channel; 16] = [
        Channel::Email,
        Channel::WebForm,
        Channel::LiveChat,
        Channel::Phone,
        Channel::Voicemail,
        Channel::Sms,
        Channel::WhatsApp,
        Channel::Messenger,
        Channel::Instagram,
        Channel::SocialPost,
        Channel::SocialDirectMessage,
        Channel::HelpCenter,
        Channel::Chatbot,
        Channel::InPerson,
        Channel::PostalMail,
        Channel::Api,
    ];

    /// The properties of this channel.
    pub const fn properties(self) -> ChannelProperties {
        use Audience::*;
        use Synchrony::*;
        let (synchrony, audience, reactive, proactive, staffed_hours) = match self {
            Channel::Email => (Asynchronous, Private, true, true, false),
            Channel::WebForm => (Asynchronous, Private, true, false, false),
            Channel::LiveChat => (Synchronous, Private, true, true, true),
            Channel::Phone => (Synchronous, Private, true, true, true),
            Channel::Voicemail => (Asynchronous, Private, true, false, false),
            Channel::Sms => (Asynchronous, Private, true, true, false),
            Channel::WhatsApp => (Asynchronous, Private, true, true, false),
            Channel::Messenger => (Asynchronous, Private, true, true, false),
            Channel::Instagram => (Asynchronous, Private, true, true, false),
            Channel::SocialPost => (Asynchronous, Public, true, true, false),
            Channel::SocialDirectMessage => (Asynchronous, Private, true, true, false),
            Channel::HelpCenter => (Asynchronous, Private, true, false, false),
            Channel::Chatbot => (Synchronous, Private, true, true, false),
            Channel::InPerson => (Synchronous, Private, true, false, true),
            Channel::PostalMail => (Asynchronous, Private, true, true, false),
            Channel::Api => (Asynchronous, Private, true, true, false),
        };
        ChannelProperties {
            synchrony,
            audience,
            reactive,
            proactive,
            staffed_hours,
        }
    }

    /// A real-time session (live chat, phone, chatbot, in person).
    pub const fn is_synchronous(self) -> bool {
        matches!(self.properties().synchrony, Synchrony::Synchronous)
    }

    /// Replies are seen by everyone (a public social post).
    pub const fn is_public(self) -> bool {
        matches!(self.properties().audience, Audience::Public)
    }

    /// The team can open a conversation with the customer on this channel.
    pub const fn supports_proactive(self) -> bool {
        self.properties().proactive
    }

    /// Customers can open a conversation on this channel.
    pub const fn supports_reactive(self) -> bool {
        self.properties().reactive
    }

    /// The snake_case name used in serde and `Display`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::WebForm => "web_form",
            Channel::LiveChat => "live_chat",
            Channel::Phone => "phone",
            Channel::Voicemail => "voicemail",
            Channel::Sms => "sms",
            Channel::WhatsApp => "whatsapp",
            Channel::Messenger => "messenger",
            Channel::Instagram => "instagram",
            Channel::SocialPost => "social_post",
            Channel::SocialDirectMessage => "social_direct_message",
            Channel::HelpCenter => "help_center",
            Channel::Chatbot => "chatbot",
            Channel::InPerson => "in_person",
            Channel::PostalMail => "postal_mail",
            Channel::Api => "api",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not the name of a channel.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown channel {0:?}")]
pub struct UnknownChannel(pub String);

impl FromStr for Channel {
    type Err = UnknownChannel;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Channel::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownChannel(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_display_fromstr_and_serde() {
        for c in Channel::ALL {
            assert_eq!(c.to_string().parse::<Channel>().unwrap(), c);
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
        }
    }

    #[test]
    fn synchronous_channels_are_the_live_ones() {
        let live: Vec<_> = Channel::ALL
            .into_iter()
            .filter(|c| c.is_synchronous())
            .collect();
        assert_eq!(
            live,
            [
                Channel::LiveChat,
                Channel::Phone,
                Channel::Chatbot,
                Channel::InPerson
            ]
        );
    }

    #[test]
    fn unknown_channel_names_the_value() {
        assert_eq!(
            "fax".parse::<Channel>().unwrap_err().to_string(),
            "unknown channel \"fax\""
        );
    }
}
