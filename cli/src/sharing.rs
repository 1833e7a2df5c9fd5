//! `lantern invite | pair | connections | consent | sync | inbox | reach-out | reply | replies |
//! audit`: consent-gated sharing from a terminal, over the core's Rust API.
//!
//! Everything sharing keeps is sealed under the journal's vault, so each command unlocks it
//! with `LANTERN_PASSPHRASE` (or a prompt). Output for scripts: one record per line,
//! tab-separated, on stdout; guidance on stderr. Journal text is printed only by `inbox`, to
//! the supporter it was shared with.

use std::path::Path;
use std::sync::Arc;

use clap::Subcommand;
use lantern_core::LanternError;
use lantern_core::api::Lantern;
use lantern_core::api::reach::{AlertDelivery, ReachOutIssue, Reply};
use lantern_core::api::sharing::{
    ConnectionRole, ConsentGrant, GrantStatus, SharedItem, Sharing, format_scope, parse_scope,
};
use lantern_core::consent::{Scope, parse_duration};
use lantern_core::journal::format_utc;
use lantern_core::sharing::SharedContent;
use lantern_core::sharing::content::display_safe as safe;
use lantern_core::sharing::reach::{QuickReply, ReplyAnswer, ReplyDirection, ReplyTarget};

/// Sharing commands (flattened into the top-level command list).
#[derive(Subcommand)]
pub enum SharingCommand {
    /// Supporter: creates an invite on a relay and prints it (one line; also fits a QR code).
    Invite {
        /// The relay's address, e.g. https://relay.example.org
        #[arg(long)]
        relay: String,
        /// How the peer will see you.
        #[arg(long)]
        name: String,
    },
    /// Peer: pairs with a supporter's invite; prints the connection id and the safety number.
    Pair {
        invite: String,
        /// How the supporter will see you.
        #[arg(long)]
        name: String,
    },
    /// Connections: `lantern connections list`.
    Connections {
        #[command(subcommand)]
        command: ConnectionsCommand,
    },
    /// Consent grants: give, list, revoke.
    Consent {
        #[command(subcommand)]
        command: ConsentCommand,
    },
    /// Sends what consent allows and fetches what peers shared.
    Sync,
    /// Supporter: what peers shared and may still be seen (all peers, or one connection).
    Inbox { connection: Option<String> },
    /// Peer: "I need support now". Sends an alert to every supporter whose consent includes
    /// `alerts`, then prints where it went and the course's "Get help now" section.
    ReachOut {
        /// A short note for your supporters (at most 280 characters).
        #[arg(long)]
        note: Option<String>,
    },
    /// Supporter: answers an alert or a shared item (ITEM as `inbox` shows it: KIND:ID, e.g.
    /// alert:ID or entry:ID) with a ready answer or a short text.
    Reply {
        connection: String,
        item: String,
        /// calling-now, texting-in-10-minutes, on-my-way, calling-within-the-hour,
        /// thinking-of-you.
        #[arg(long, required_unless_present = "text", conflicts_with = "text")]
        quick: Option<String>,
        /// Your own words (at most 280 characters).
        #[arg(long)]
        text: Option<String>,
    },
    /// Replies received (peer) and sent (supporter), newest first.
    Replies { connection: Option<String> },
    /// Peer: the audit log of every grant, revocation and disclosure.
    Audit {
        /// Check the log (hash chain, signed checkpoint, rollback mark) and the grants against
        /// it instead of printing it (exit 1 if the sharing data was tampered with).
        #[arg(long)]
        verify: bool,
        /// Print the log as JSON, signed with your identity key (for keeping or handing on).
        #[arg(long, conflicts_with = "verify")]
        json: bool,
        /// Check an exported log (a file from `lantern audit --json`): its chain and signature.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["verify", "json"])]
        verify_export: Option<std::path::PathBuf>,
        /// With --verify-export: the connection of the peer who must have signed it (without
        /// it, the export must be your own).
        #[arg(long, value_name = "CONNECTION", requires = "verify_export")]
        from: Option<String>,
    },
}

/// `lantern connections ...`
#[derive(Subcommand)]
pub enum ConnectionsCommand {
    /// One line per connection: id, role, name, since, safety number.
    List,
}

/// `lantern consent ...`
#[derive(Subcommand)]
pub enum ConsentCommand {
    /// Gives a supporter consent to see some of your data, for a purpose, until an expiry.
    Grant {
        connection: String,
        /// mood-trends, checkins, entries:tag=TAG, entry:ID, course-progress, alerts, recovery-count
        /// (repeatable).
        #[arg(long = "scope", required = true, num_args = 1..)]
        scopes: Vec<String>,
        /// Why you share this, in your words.
        #[arg(long)]
        purpose: String,
        /// How long: 30d, 12h, 2w, 1y (at most a year).
        #[arg(long)]
        expires: String,
    },
    /// One line per grant you gave: id, connection, status, expiry, scopes, purpose.
    List,
    /// Revokes a grant now; the next sync deletes it from the supporter's device.
    Revoke { grant: String },
}

/// Opens the core and unlocks the vault (passphrase from LANTERN_PASSPHRASE or a prompt).
pub(crate) fn unlocked(data_dir: &Path) -> Result<Arc<Lantern>, String> {
    // As `lantern journal`: debug builds (tests) may lower the KDF cost, so unlocking does not
    // raise a cheap test vault to the production work factor on every command.
    let lantern = Lantern::open_with(data_dir.to_path_buf(), crate::vault_options())
        .map_err(|e| e.to_string())?;
    let journal = lantern.journal();
    if !journal.is_set_up().map_err(|e| e.to_string())? {
        return Err("set up the vault first: lantern journal init".into());
    }
    let passphrase = match std::env::var("LANTERN_PASSPHRASE") {
        Ok(p) => p,
        Err(_) => rpassword::prompt_password("Journal passphrase: ").map_err(|_| {
            "cannot prompt for it: set LANTERN_PASSPHRASE or run in a terminal".to_string()
        })?,
    };
    journal.unlock(passphrase).map_err(|e| e.to_string())?;
    Ok(lantern)
}

fn err(e: LanternError) -> String {
    e.to_string()
}

fn utc(secs: i64) -> String {
    format_utc(secs.saturating_mul(1000))
}

fn status(s: GrantStatus) -> &'static str {
    match s {
        GrantStatus::Active => "active",
        GrantStatus::Revoked => "revoked",
        GrantStatus::Expired => "expired",
    }
}

/// One line for a grant.
fn grant_line(g: &ConsentGrant) -> String {
    format!(
        "{}\t{}\t{}\tuntil {}\t{}\t{}",
        g.id,
        g.connection_id,
        status(g.status),
        utc(g.expires_at),
        scopes_text(&g.scopes),
        g.purpose
    )
}

/// Scopes in their text form (the core's grammar), comma-separated.
fn scopes_text(scopes: &[Scope]) -> String {
    let texts: Vec<String> = scopes.iter().cloned().map(format_scope).collect();
    texts.join(",")
}

/// Runs one sharing command.
pub fn run(data_dir: &Path, cmd: SharingCommand) -> Result<(), String> {
    if let SharingCommand::ReachOut { note } = cmd {
        return reach_out(data_dir, note);
    }
    let lantern = unlocked(data_dir)?;
    let sharing = lantern.sharing();
    match cmd {
        SharingCommand::Invite { relay, name } => {
            let invite = sharing.create_invite(relay, name).map_err(err)?;
            eprintln!("Give this invite to the person you support (text or QR code):");
            println!("{invite}");
        }
        SharingCommand::Pair { invite, name } => {
            let c = sharing.pair(invite, name).map_err(err)?;
            println!("{}", c.id);
            println!("{}", c.safety_number);
            eprintln!(
                "Paired with {}. Compare the safety number above with theirs in person before \
                 sharing anything; run `lantern sync` to let their device know.",
                safe(&c.their_name)
            );
        }
        SharingCommand::Connections {
            command: ConnectionsCommand::List,
        } => {
            for c in sharing.connections().map_err(err)? {
                let role = match c.role {
                    ConnectionRole::Sharing => "sharing-with",
                    ConnectionRole::Supporting => "supporting",
                };
                println!(
                    "{}\t{role}\t{}\tsince {}\t{}",
                    safe(&c.id),
                    safe(&c.their_name),
                    utc(c.created_at),
                    c.safety_number
                );
            }
        }
        SharingCommand::Consent { command } => consent(&sharing, command)?,
        SharingCommand::Sync => {
            let r = sharing.sync().map_err(err)?;
            println!(
                "sent {} envelopes ({} items shared, {} withdrawn, {} dropped unsent); \
                 received {} ({} new connections, {} refused); {} items deleted",
                r.posted,
                r.disclosed,
                r.withdrawn,
                r.dropped,
                r.applied,
                r.paired,
                r.refused,
                r.deleted
            );
        }
        SharingCommand::Inbox { connection } => inbox(&sharing, connection)?,
        // Handled before unlocking (above), so that help shows even when unlocking fails.
        SharingCommand::ReachOut { note } => reach_out(data_dir, note)?,
        SharingCommand::Reply {
            connection,
            item,
            quick,
            text,
        } => {
            let target = parse_reply_target(&item).map_err(err)?;
            let answer = match (quick, text) {
                (Some(q), _) => ReplyAnswer::Quick {
                    reply: QuickReply::parse(&q).ok_or_else(|| {
                        format!(
                            "unknown ready answer (use {})",
                            QuickReply::ALL.map(QuickReply::to_text).join(", ")
                        )
                    })?,
                },
                (None, Some(text)) => ReplyAnswer::Text { text },
                (None, None) => return Err("give --quick or --text".into()),
            };
            let r = sharing.reply(connection, target, answer).map_err(err)?;
            println!("{}", reply_line(&r));
            if !r.delivered {
                eprintln!("The relay could not be reached: the reply goes out with the next sync.");
            }
        }
        SharingCommand::Replies { connection } => {
            for r in sharing.replies(connection).map_err(err)? {
                println!("{}", reply_line(&r));
            }
        }
        SharingCommand::Audit {
            verify,
            json,
            verify_export,
            from,
        } => {
            if let Some(file) = verify_export {
                let text = std::fs::read_to_string(&file)
                    .map_err(|e| format!("cannot read the export: {}", e.kind()))?;
                let n = sharing
                    .verify_audit_export(text, from.clone())
                    .map_err(err)?;
                let whose = from.map_or("you".to_string(), |c| format!("the peer on {c}"));
                println!("audit export verified: {n} records, signed by {whose}");
            } else if verify {
                let n = sharing.verify_audit().map_err(err)?;
                println!(
                    "audit log verified: {n} records, hash chain, signed head and grants intact"
                );
            } else if json {
                println!("{}", sharing.export_audit().map_err(err)?);
            } else {
                for r in sharing.audit_log().map_err(err)? {
                    println!(
                        "{}\t{}\t{}\t{}",
                        r.seq,
                        utc(r.at),
                        r.event.name(),
                        r.event.references()
                    );
                }
            }
        }
    }
    Ok(())
}

fn consent(sharing: &Sharing, command: ConsentCommand) -> Result<(), String> {
    match command {
        ConsentCommand::Grant {
            connection,
            scopes,
            purpose,
            expires,
        } => {
            let secs = parse_duration(&expires).map_err(|e| e.to_string())?;
            let scopes = scopes
                .into_iter()
                .map(parse_scope)
                .collect::<Result<Vec<_>, _>>()
                .map_err(err)?;
            let g = sharing
                .grant(connection, scopes, purpose, secs as u64)
                .map_err(err)?;
            println!("{}", g.id);
            eprintln!(
                "{} may now see, until {}:",
                g.recipient_name,
                utc(g.expires_at)
            );
            for line in &g.how_much {
                eprintln!("  - {line}");
            }
            eprintln!("{}", g.right_to_revoke);
        }
        ConsentCommand::List => {
            for g in sharing.list_grants().map_err(err)? {
                println!("{}", grant_line(&g));
            }
        }
        ConsentCommand::Revoke { grant } => {
            sharing.revoke(grant.clone()).map_err(err)?;
            println!("{grant}\trevoked");
            eprintln!("Run `lantern sync` so the supporter's device deletes what it received.");
        }
    }
    Ok(())
}

fn inbox(sharing: &Sharing, connection: Option<String>) -> Result<(), String> {
    for g in sharing.received_grants(connection.clone()).map_err(err)? {
        // Everything here came from a peer: nothing reaches the terminal unneutralised.
        println!(
            "grant\t{}\t{}\tuntil {}\t{}\t{}",
            safe(&g.connection_id),
            safe(&g.id),
            utc(g.expires_at),
            safe(&scopes_text(&g.scopes)),
            safe(&g.purpose)
        );
    }
    for i in sharing.inbox(connection).map_err(err)? {
        println!("{}", item_line(&i));
    }
    Ok(())
}

/// One line for a received item: `item`, connection, kind, id, version, then the content.
fn item_line(i: &SharedItem) -> String {
    let one_line = safe;
    let mood = |m: Option<u8>| m.map_or("-".to_string(), |m| m.to_string());
    let content = match &i.content {
        SharedContent::Entry {
            text,
            mood: m,
            tags,
            created_at_ms,
            ..
        } => format!(
            "{}\tmood {}\t{}\t{}",
            format_utc(*created_at_ms),
            mood(*m),
            one_line(&tags.join(",")),
            one_line(text)
        ),
        SharedContent::CheckIn {
            mood: m,
            note,
            created_at_ms,
        } => format!(
            "{}\tmood {m}\t{}",
            format_utc(*created_at_ms),
            one_line(note.as_deref().unwrap_or(""))
        ),
        // Weekly averages only (the core shares no daily points nor sample counts); a peer
        // on an older version may still send daily points: shown, without counts.
        SharedContent::MoodTrends {
            days,
            daily,
            weekly,
        } => {
            let points: Vec<String> = weekly
                .iter()
                .map(|p| format!("week of {} {:.1}", safe(&p.period_start), p.average))
                .chain(
                    daily
                        .iter()
                        .map(|p| format!("{} {:.1}", safe(&p.period_start), p.average)),
                )
                .collect();
            format!("last {days} days\t{}", points.join("; "))
        }
        SharedContent::Alert { note, sent_at_ms } => format!(
            "{}\tNEEDS SUPPORT NOW\t{}",
            format_utc(*sent_at_ms),
            one_line(note.as_deref().unwrap_or(""))
        ),
        // The count only: the peer's start date never travels.
        SharedContent::RecoveryCount { days, milestone } => format!(
            "{days} days\t{}",
            milestone.map_or("-".to_string(), |m| m.describe())
        ),
        SharedContent::CourseProgress { units } => {
            let units: Vec<String> = units
                .iter()
                .map(|u| {
                    format!(
                        "{} {}/{} sections, {}/{} self-checks right",
                        safe(&u.unit_id),
                        u.sections_read,
                        u.sections_total,
                        u.self_checks_correct,
                        u.self_checks_total
                    )
                })
                .collect();
            units.join("; ")
        }
    };
    format!(
        "item\t{}\t{}\t{}\tv{}\t{content}",
        safe(&i.connection_id),
        i.content.kind().as_str(),
        safe(&i.item_id),
        i.version
    )
}

/// `lantern reach-out`: the help section is printed whatever happens (vault locked, relay
/// down), after the lines saying where the alert went.
fn reach_out(data_dir: &Path, note: Option<String>) -> Result<(), String> {
    let lantern = match unlocked(data_dir) {
        Ok(lantern) => lantern,
        Err(why) => {
            if let Ok(core) = Lantern::open_with(data_dir.to_path_buf(), crate::vault_options()) {
                crate::course::print_help(&core.course().help_now());
            }
            return Err(format!("the alert was not sent: {why}"));
        }
    };
    let out = match lantern.sharing().reach_out(note) {
        Ok(out) => out,
        Err(e) => {
            crate::course::print_help(&lantern.course().help_now());
            return Err(format!("the alert was not sent: {e}"));
        }
    };
    if let Some(id) = &out.alert_id {
        println!("alert\t{id}");
    }
    for r in &out.recipients {
        let delivery = match r.delivery {
            AlertDelivery::Sent => "sent",
            AlertDelivery::Queued => "queued",
        };
        println!(
            "to\t{}\t{}\t{delivery}",
            safe(&r.connection_id),
            safe(&r.supporter_name)
        );
    }
    match &out.issue {
        Some(ReachOutIssue::NoSupporterReceivesAlerts) => eprintln!(
            "No supporter can receive alerts yet: add the `alerts` scope to a consent \
             (lantern consent grant CONNECTION --scope alerts ...)."
        ),
        Some(ReachOutIssue::Locked) => eprintln!("The vault is locked: the alert was not sent."),
        Some(ReachOutIssue::Failed { reason }) => {
            eprintln!("The alert could not be sent: {reason}")
        }
        None => {}
    }
    if out
        .recipients
        .iter()
        .any(|r| r.delivery == AlertDelivery::Queued)
    {
        eprintln!("Queued alerts go out with the next `lantern sync`.");
    }
    println!();
    crate::course::print_help(&out.help);
    Ok(())
}

fn parse_reply_target(key: &str) -> Result<ReplyTarget, LanternError> {
    ReplyTarget::parse(key).map_err(LanternError::from)
}

/// One line for a reply: `reply`, direction, connection, name, sent, what it answers,
/// delivered or queued, then the words.
fn reply_line(r: &Reply) -> String {
    let direction = match r.direction {
        ReplyDirection::Sent => "sent",
        ReplyDirection::Received => "received",
    };
    format!(
        "reply\t{direction}\t{}\t{}\t{}\t{}\t{}\t{}",
        safe(&r.connection_id),
        safe(&r.their_name),
        utc(r.sent_at),
        safe(&r.in_reply_to.key()),
        if r.delivered { "delivered" } else { "queued" },
        safe(&r.words)
    )
}
