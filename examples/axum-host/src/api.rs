//! The HTTP routes and how desk errors become status codes.

use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use supportdesk::customer::Identity;
use supportdesk::id::{AgentId, CustomerId, MessageId, TenantId, TicketId};
use supportdesk::ticket::Command;
use supportdesk::{Channel, DeskError, Inbound, Priority, Status, Ticket};

use crate::HostDesk;

/// An error answer: a status code and `{"error": message}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The status code.
    pub status: StatusCode,
    /// What went wrong, for the body.
    pub message: String,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(ErrorBody {
                error: &self.message,
            }),
        )
            .into_response()
    }
}

impl From<DeskError> for ApiError {
    fn from(e: DeskError) -> Self {
        let status = match &e {
            DeskError::TicketNotFound { .. } | DeskError::CustomerNotFound { .. } => {
                StatusCode::NOT_FOUND
            }
            DeskError::Domain(_) => StatusCode::UNPROCESSABLE_ENTITY,
            DeskError::ForeignSender { .. } => StatusCode::FORBIDDEN,
            DeskError::Contended { .. } => StatusCode::SERVICE_UNAVAILABLE,
            // Store and SLA failures, and whatever later versions add.
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status.is_server_error() {
            eprintln!("error: {e}");
        }
        ApiError {
            status,
            message: e.to_string(),
        }
    }
}

impl From<JsonRejection> for ApiError {
    /// axum's status (400 for malformed JSON, 422 for JSON of the wrong
    /// shape, 415 without a JSON content type) and its explanation.
    fn from(r: JsonRejection) -> Self {
        ApiError {
            status: r.status(),
            message: r.body_text(),
        }
    }
}

impl From<PathRejection> for ApiError {
    /// A tenant or ticket id that is not a UUID: 400.
    fn from(r: PathRejection) -> Self {
        ApiError {
            status: r.status(),
            message: r.body_text(),
        }
    }
}

/// The body of `POST /tenants/{tenant}/inbound`: an [`Inbound`] message,
/// with `priority` optional.
///
/// ```json
/// {"from": {"kind": "email", "address": "ana@example.com"}, "channel": "email",
///  "body": "Where is my order?", "external_id": "<m1@mail>"}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboundRequest {
    /// The sender: `{"kind": "email", "address": ...}`, `{"kind": "phone",
    /// "number": ...}`, `{"kind": "social", "network": ..., "handle": ...}`
    /// or `{"kind": "external", "system": ..., "id": ...}`.
    pub from: Identity,
    /// The channel, e.g. `"email"`, `"chat"`, `"whatsapp"`.
    pub channel: Channel,
    /// The text.
    pub body: String,
    /// A subject line.
    #[serde(default)]
    pub subject: Option<String>,
    /// The channel's message id: a redelivery with the same id is recorded
    /// once.
    #[serde(default)]
    pub external_id: Option<String>,
    /// The ticket the message belongs to, if the channel says.
    #[serde(default)]
    pub ticket: Option<TicketId>,
    /// The sender's name.
    #[serde(default)]
    pub name: Option<String>,
    /// The priority of a new ticket (default `"normal"`).
    #[serde(default)]
    pub priority: Priority,
}

impl From<InboundRequest> for Inbound {
    fn from(r: InboundRequest) -> Inbound {
        Inbound {
            from: r.from,
            channel: r.channel,
            body: r.body,
            subject: r.subject,
            external_id: r.external_id,
            ticket: r.ticket,
            name: r.name,
            priority: r.priority,
        }
    }
}

/// The answer to an inbound message: the desk's
/// [`Receipt`](supportdesk::Receipt).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptBody {
    /// The ticket the message is on.
    pub ticket: TicketId,
    /// The message it became.
    pub message: MessageId,
    /// The sender's customer.
    pub customer: CustomerId,
    /// True for a redelivery: nothing was written.
    pub duplicate: bool,
    /// True when a ticket was opened for it.
    pub opened: bool,
    /// Notifications delivered right away.
    pub delivered: usize,
    /// Notifications left in the outbox for the background task.
    pub pending: usize,
}

/// The body of `POST /tenants/{tenant}/tickets/{ticket}/replies`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyRequest {
    /// The agent replying (a UUID).
    pub agent: AgentId,
    /// The public reply.
    pub body: String,
}

/// The answer to a reply: where the ticket stands now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyBody {
    /// The ticket.
    pub ticket: TicketId,
    /// Its status after the reply.
    pub status: Status,
    /// Its version after the reply.
    pub version: u64,
    /// Notifications delivered right away.
    pub delivered: usize,
    /// Notifications left in the outbox for the background task.
    pub pending: usize,
}

async fn inbound(
    State(desk): State<Arc<HostDesk>>,
    tenant: Result<Path<TenantId>, PathRejection>,
    body: Result<Json<InboundRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<ReceiptBody>), ApiError> {
    let Path(tenant) = tenant?;
    let Json(body) = body?;
    let r = desk.receive(tenant, body.into()).await?;
    let status = if r.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(ReceiptBody {
            ticket: r.ticket,
            message: r.message,
            customer: r.customer,
            duplicate: r.duplicate,
            opened: r.opened,
            delivered: r.delivery.delivered.len(),
            pending: r.delivery.pending.len(),
        }),
    ))
}

async fn reply(
    State(desk): State<Arc<HostDesk>>,
    ids: Result<Path<(TenantId, TicketId)>, PathRejection>,
    body: Result<Json<ReplyRequest>, JsonRejection>,
) -> Result<Json<ReplyBody>, ApiError> {
    let Path((tenant, ticket)) = ids?;
    let Json(body) = body?;
    let out = desk
        .execute(tenant, ticket, Command::agent_reply(body.agent, body.body))
        .await?;
    Ok(Json(ReplyBody {
        ticket: out.ticket.id(),
        status: out.ticket.status(),
        version: out.ticket.version(),
        delivered: out.delivery.delivered.len(),
        pending: out.delivery.pending.len(),
    }))
}

async fn ticket(
    State(desk): State<Arc<HostDesk>>,
    ids: Result<Path<(TenantId, TicketId)>, PathRejection>,
) -> Result<Json<Ticket>, ApiError> {
    let Path((tenant, ticket)) = ids?;
    Ok(Json(desk.ticket(tenant, ticket).await?))
}

async fn not_found() -> ApiError {
    ApiError {
        status: StatusCode::NOT_FOUND,
        message: "no such route".to_owned(),
    }
}

/// The routes over `desk` (see the crate docs); unknown routes answer 404
/// with a JSON error too.
pub fn router(desk: Arc<HostDesk>) -> Router {
    Router::new()
        .route("/tenants/{tenant}/inbound", post(inbound))
        .route("/tenants/{tenant}/tickets/{ticket}/replies", post(reply))
        .route("/tenants/{tenant}/tickets/{ticket}", get(ticket))
        .fallback(not_found)
        .with_state(desk)
}

#[cfg(test)]
mod tests {
    use super::*;
    use supportdesk::port::StoreError;
    use supportdesk::ticket::{Action, DomainError};

    fn status_of(e: DeskError) -> StatusCode {
        ApiError::from(e).status
    }

    #[test]
    fn desk_errors_map_to_status_codes() {
        let ticket = TicketId::from_u128(9);
        assert_eq!(
            status_of(DeskError::TicketNotFound { ticket }),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            status_of(DeskError::CustomerNotFound {
                customer: CustomerId::from_u128(3)
            }),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            status_of(DeskError::Domain(DomainError::EmptyBody {
                action: Action::AgentReply
            })),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let eve = Identity::email("eve@example.com").map_err(|e| e.to_string());
        assert!(eve.is_ok(), "{eve:?}");
        if let Ok(identity) = eve {
            assert_eq!(
                status_of(DeskError::ForeignSender { identity, ticket }),
                StatusCode::FORBIDDEN
            );
        }
        assert_eq!(
            status_of(DeskError::Contended {
                ticket: Some(ticket),
                attempts: 5
            }),
            StatusCode::SERVICE_UNAVAILABLE
        );
        let store = DeskError::Store(StoreError::Backend {
            message: "disk full".into(),
            source: None,
        });
        let e = ApiError::from(store);
        assert_eq!(e.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(e.message, "storage backend failed: disk full");
    }
}
