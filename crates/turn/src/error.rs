//! The one error type of this crate.

use std::net::IpAddr;

/// What can go wrong parsing TURN framing or asking the client for something it cannot do.
///
/// Peer (server) faults are reported per datagram and never change the client's state; caller
/// misuse (sending before the allocation exists, to a peer without a permission, beyond a
/// configured limit) is refused with a precise variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- malformed input from the server ----
    /// Fewer than the 4 bytes of a ChannelData header (RFC 8656 §12.4).
    #[error("ChannelData of {0} bytes is shorter than its 4-byte header")]
    ChannelDataTooShort(usize),
    /// The datagram is shorter than the ChannelData Length field claims (RFC 8656 §12.6).
    #[error("ChannelData claims {length} bytes of data but carries {available}")]
    ChannelDataTruncated {
        /// The Length field.
        length: usize,
        /// Bytes after the header.
        available: usize,
    },
    /// A channel number outside 0x4000..=0x4FFF (RFC 8656 §12, Table 2).
    #[error("channel number {0:#06x} is outside 0x4000..=0x4fff")]
    InvalidChannelNumber(u16),
    /// The STUN layer refused a message.
    #[error("STUN: {0}")]
    Stun(#[from] sansrtc_stun::Error),

    // ---- caller misuse ----
    /// Data larger than a ChannelData or DATA attribute can carry.
    #[error("{0} bytes of data do not fit in one TURN message")]
    DataTooLong(usize),
    /// The allocation does not exist (yet, or any more).
    #[error("no allocation: the relayed address is not (or no longer) allocated")]
    NotAllocated,
    /// No permission was requested for this peer's IP (RFC 8656 §9): the server would drop
    /// the data.
    #[error("no permission for peer {0}: call create_permission first")]
    NoPermission(IpAddr),
    /// The peer's address family differs from the relayed address's (RFC 8656 §10.1).
    #[error("peer {0} is not of the relayed address's family")]
    FamilyMismatch(IpAddr),
    /// `max_permissions` reached.
    #[error("the configured maximum number of permissions is reached")]
    TooManyPermissions,
    /// `max_channels` reached, or the channel-number space is exhausted.
    #[error("the configured maximum number of channel bindings is reached")]
    TooManyChannels,
}
