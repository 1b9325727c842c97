//! The STUN messages ICE sends (RFC 8445 §7.1, §7.2.2, §7.3; RFC 7675 §5.1; RFC 8445 §11),
//! written with `sansrtc-stun`'s builder into a caller-supplied buffer.

use std::net::SocketAddr;

use sansrtc_stun::{
    Attribute, AttributeType, AttributeTypes, Class, ErrorCode, IntegrityKey, MessageBuilder,
    Method, TransactionId,
};

use crate::agent::Role;

/// A connectivity check (or consent request): USERNAME `remote:local` (§7.2.2), PRIORITY
/// (§7.1.1), ICE-CONTROLLING/ICE-CONTROLLED with the tie-breaker (§7.1.3), USE-CANDIDATE when
/// nominating (§7.1.2), MESSAGE-INTEGRITY with the remote password and FINGERPRINT (§7.2.4).
#[allow(clippy::too_many_arguments)]
pub(crate) fn check_request(
    out: &mut Vec<u8>,
    id: TransactionId,
    remote_ufrag: &str,
    local_ufrag: &str,
    priority: u32,
    role: Role,
    tie_breaker: u64,
    use_candidate: bool,
    key: &IntegrityKey,
) -> Result<(), sansrtc_stun::Error> {
    let mut b = MessageBuilder::new(out, Class::Request, Method::BINDING, id);
    let mut username = String::with_capacity(remote_ufrag.len() + 1 + local_ufrag.len());
    username.push_str(remote_ufrag);
    username.push(':');
    username.push_str(local_ufrag);
    b.add(&Attribute::Username(&username))?;
    b.add(&Attribute::Priority(priority))?;
    match role {
        Role::Controlling => b.add(&Attribute::IceControlling(tie_breaker))?,
        Role::Controlled => b.add(&Attribute::IceControlled(tie_breaker))?,
    }
    if use_candidate {
        b.add(&Attribute::UseCandidate)?;
    }
    b.add_message_integrity(key)?;
    b.add_fingerprint()
}

/// The success response to a check: XOR-MAPPED-ADDRESS of the request's source (§7.3.1.2),
/// MESSAGE-INTEGRITY with the local password, FINGERPRINT.
pub(crate) fn check_success(
    out: &mut Vec<u8>,
    id: TransactionId,
    mapped: SocketAddr,
    key: &IntegrityKey,
) -> Result<(), sansrtc_stun::Error> {
    let mut b = MessageBuilder::new(out, Class::SuccessResponse, Method::BINDING, id);
    b.add(&Attribute::XorMappedAddress(mapped))?;
    b.add_message_integrity(key)?;
    b.add_fingerprint()
}

/// An error response (400, 401, 420, 487), authenticated when the request was.
pub(crate) fn check_error(
    out: &mut Vec<u8>,
    id: TransactionId,
    error: ErrorCode<'_>,
    unknown: &[AttributeType],
    key: Option<&IntegrityKey>,
) -> Result<(), sansrtc_stun::Error> {
    let mut b = MessageBuilder::new(out, Class::ErrorResponse, Method::BINDING, id);
    b.add(&Attribute::ErrorCode(error))?;
    if !unknown.is_empty() {
        b.add(&Attribute::UnknownAttributes(AttributeTypes::List(unknown)))?;
    }
    if let Some(key) = key {
        b.add_message_integrity(key)?;
    }
    b.add_fingerprint()
}

/// A Binding request to a STUN server for a server-reflexive candidate (§5.1.1.2):
/// unauthenticated, with FINGERPRINT.
pub(crate) fn binding_request(
    out: &mut Vec<u8>,
    id: TransactionId,
) -> Result<(), sansrtc_stun::Error> {
    let mut b = MessageBuilder::new(out, Class::Request, Method::BINDING, id);
    b.add_fingerprint()
}

/// A keepalive: a Binding indication with FINGERPRINT only (RFC 8445 §11).
pub(crate) fn keepalive(out: &mut Vec<u8>, id: TransactionId) -> Result<(), sansrtc_stun::Error> {
    let mut b = MessageBuilder::new(out, Class::Indication, Method::BINDING, id);
    b.add_fingerprint()
}
