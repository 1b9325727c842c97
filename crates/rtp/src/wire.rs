//! Bounds-checked big-endian reads and writes shared by every view in this crate.
//!
//! Views validate their length once in `new_checked`; these helpers still never index, so an
//! accessor cannot panic even on a buffer that was shortened behind the view's back.

#[inline(always)]
pub(crate) fn u8_at(b: &[u8], at: usize) -> u8 {
    b.get(at).copied().unwrap_or(0)
}

#[inline(always)]
pub(crate) fn u16_at(b: &[u8], at: usize) -> u16 {
    match b.get(at..at.wrapping_add(2)) {
        Some(&[x, y]) => u16::from_be_bytes([x, y]),
        _ => 0,
    }
}

#[inline(always)]
pub(crate) fn u24_at(b: &[u8], at: usize) -> u32 {
    match b.get(at..at.wrapping_add(3)) {
        Some(&[x, y, z]) => u32::from_be_bytes([0, x, y, z]),
        _ => 0,
    }
}

#[inline(always)]
pub(crate) fn u32_at(b: &[u8], at: usize) -> u32 {
    match b.get(at..at.wrapping_add(4)) {
        Some(&[w, x, y, z]) => u32::from_be_bytes([w, x, y, z]),
        _ => 0,
    }
}

#[inline(always)]
pub(crate) fn u64_at(b: &[u8], at: usize) -> u64 {
    (u64::from(u32_at(b, at)) << 32) | u64::from(u32_at(b, at.wrapping_add(4)))
}

/// Writes `bytes` at `at`, or fails with `BufferTooSmall`.
#[inline(always)]
pub(crate) fn put(b: &mut [u8], at: usize, bytes: &[u8]) -> crate::Result<()> {
    b.get_mut(at..at.wrapping_add(bytes.len()))
        .ok_or(crate::Error::BufferTooSmall)?
        .copy_from_slice(bytes);
    Ok(())
}

#[inline(always)]
pub(crate) fn put_u8(b: &mut [u8], at: usize, v: u8) -> crate::Result<()> {
    *b.get_mut(at).ok_or(crate::Error::BufferTooSmall)? = v;
    Ok(())
}

#[inline(always)]
pub(crate) fn put_u16(b: &mut [u8], at: usize, v: u16) -> crate::Result<()> {
    put(b, at, &v.to_be_bytes())
}

#[inline(always)]
pub(crate) fn put_u32(b: &mut [u8], at: usize, v: u32) -> crate::Result<()> {
    put(b, at, &v.to_be_bytes())
}

#[inline(always)]
pub(crate) fn put_u64(b: &mut [u8], at: usize, v: u64) -> crate::Result<()> {
    put(b, at, &v.to_be_bytes())
}

/// Zeroes `len` bytes at `at`.
#[inline(always)]
pub(crate) fn zero(b: &mut [u8], at: usize, len: usize) -> crate::Result<()> {
    b.get_mut(at..at.wrapping_add(len))
        .ok_or(crate::Error::BufferTooSmall)?
        .fill(0);
    Ok(())
}
