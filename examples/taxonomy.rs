//! Loads a tag taxonomy from a JSON file, lints it, and auto-tags a batch of
//! messages (English and Chinese), printing why each tag was added.
//!
//! ```text
//! cargo run --example taxonomy [path/to/taxonomy.json]
//! ```

use std::collections::BTreeSet;
use std::error::Error;

use supportdesk::taxonomy::{AutoTagger, Input, Severity, Taxonomy};
use supportdesk::ticket::AuthorRole;
use supportdesk::{Channel, Tag};

fn main() -> Result<(), Box<dyn Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/taxonomy.json").to_owned()
    });
    let text = std::fs::read_to_string(&path)?;
    let taxonomy: Taxonomy = serde_json::from_str(&text)?;
    println!(
        "Loaded {} tags, {} groups and {} rules from {path}\n",
        taxonomy.len(),
        taxonomy.groups().len(),
        taxonomy.rules().len()
    );

    let findings = taxonomy.lint();
    let warnings = findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    println!("Lint: {} findings ({warnings} warnings)", findings.len());
    for f in &findings {
        println!("  {f}");
    }

    let tagger = AutoTagger::new(&taxonomy)?;
    let shipping: BTreeSet<Tag> = [Tag::new("shipping/late")?].into();
    let none = BTreeSet::new();
    let batch: Vec<(&str, Channel, AuthorRole, &BTreeSet<Tag>)> = vec![
        (
            "Hi, my parcel is late and still not arrived. Order #1042.",
            Channel::Email,
            AuthorRole::Customer,
            &none,
        ),
        (
            "我的包裹延迟了一周，还没到，能帮我查物流信息吗？",
            Channel::WhatsApp,
            AuthorRole::Customer,
            &none,
        ),
        (
            "付款时一直提示支付失败，卡被拒绝了",
            Channel::LiveChat,
            AuthorRole::Customer,
            &none,
        ),
        (
            "My card was declined and then I was charged twice!",
            Channel::Email,
            AuthorRole::Customer,
            &none,
        ),
        (
            "The vase arrived broken. I want my money back.",
            Channel::WebForm,
            AuthorRole::Customer,
            &none,
        ),
        (
            "收到的杯子碎了，我要退款",
            Channel::Messenger,
            AuthorRole::Customer,
            &none,
        ),
        (
            "I can't log in, password reset never comes",
            Channel::Email,
            AuthorRole::Customer,
            &none,
        ),
        (
            "Thank you, great service as always!",
            Channel::Email,
            AuthorRole::Customer,
            &none,
        ),
        (
            "谢谢，非常满意！想升级到premium plan",
            Channel::WhatsApp,
            AuthorRole::Customer,
            &none,
        ),
        (
            "Worst shop ever, never again",
            Channel::SocialPost,
            AuthorRole::Customer,
            &none,
        ),
        (
            "DHL confirms a backlog at their hub",
            Channel::Email,
            AuthorRole::Agent,
            &shipping,
        ),
        (
            "仓库积压，顺丰今天才揽收",
            Channel::Email,
            AuthorRole::Agent,
            &shipping,
        ),
        (
            "Is this nonrefundable? I was cancelled on.",
            Channel::Email,
            AuthorRole::Customer,
            &none,
        ),
    ];
    println!("\nAuto-tagging {} messages:", batch.len());
    for (text, channel, role, tags) in batch {
        let out = tagger.tag(&Input::new(text, channel).role(role).tags(tags));
        println!("\n> {text}  [{channel}, {role:?}]");
        if out.is_empty() && out.skipped.is_empty() {
            println!("  (no tag)");
        }
        for e in &out.explanations {
            println!("  + {e}");
        }
        for s in &out.skipped {
            println!(
                "  - skipped {} from rule {:?}: {}",
                s.tag, s.rule, s.violation
            );
        }
    }
    Ok(())
}
