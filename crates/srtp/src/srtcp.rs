//! The SRTCP trailer (RFC 3711 §3.4): the E flag and the 31-bit SRTCP index, sent in one 32-bit
//! word (RFC 7714 calls it the ESRTCP word).

/// Length of the E flag + SRTCP index word.
pub(crate) const INDEX_LEN: usize = 4;
/// The E flag: the packet is encrypted.
pub(crate) const ENCRYPTED: u32 = 0x8000_0000;
/// The 31-bit SRTCP index space: a master key protects at most 2^31 SRTCP packets.
pub(crate) const INDEX_MASK: u32 = 0x7fff_ffff;

/// Reads the ESRTCP word at `offset`.
pub(crate) fn read_word(packet: &[u8], offset: usize) -> Option<u32> {
    let bytes = packet.get(offset..offset.checked_add(INDEX_LEN)?)?;
    Some(u32::from_be_bytes(bytes.try_into().ok()?))
}
