//! Session key derivation (RFC 3711 §4.3, key derivation rate 0), with the AES-CM PRF of
//! RFC 3711 §4.3.3 for 128-bit master keys and the AES_256_CM_PRF of RFC 6188 §7 for 256-bit ones.
//!
//! With a key derivation rate of 0, `r = index DIV kdr` is 0, so every session key is derived
//! once per master key and direction:
//!
//! ```text
//! key_id = label || r          (r is 48 zero bits)
//! x      = key_id XOR master_salt   (both aligned on the right, 112 bits)
//! key    = AES-CM(master_key, IV = x * 2^16) over zeros, truncated to the key length
//! ```
//!
//! The 96-bit GCM master salt (RFC 7714 §11) is padded on the right with zeros to 112 bits first,
//! as libsrtp does, so the label still lands in octet 7.

use sansrtc_crypto::cipher::{AesKey, BLOCK_LEN};

/// The PRF labels (RFC 3711 §4.3.1 and §4.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Label {
    RtpEncryption = 0x00,
    RtpAuthentication = 0x01,
    RtpSalt = 0x02,
    RtcpEncryption = 0x03,
    RtcpAuthentication = 0x04,
    RtcpSalt = 0x05,
}

/// The salt length the PRF input is built from: 112 bits (RFC 3711 §4.3.1).
pub(crate) const PRF_SALT_LEN: usize = 14;

/// Fills `out` with the PRF output for `label`. `prf` is AES keyed with the master key;
/// `master_salt` is 14 bytes (AES-CM) or 12 bytes (AES-GCM, zero padded).
pub(crate) fn derive(prf: &dyn AesKey, master_salt: &[u8], label: Label, out: &mut [u8]) {
    // x * 2^16: the 112-bit x followed by two zero octets.
    let mut iv = [0u8; BLOCK_LEN];
    for (i, s) in iv.iter_mut().zip(master_salt.iter().take(PRF_SALT_LEN)) {
        *i = *s;
    }
    // key_id = label (octet 7 of x) || 48 zero bits of r.
    if let Some(octet) = iv.get_mut(7) {
        *octet ^= label as u8;
    }
    out.fill(0);
    prf.xor_keystream(&iv, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.split_whitespace().collect::<String>()).unwrap()
    }

    #[test]
    fn rfc3711_b_3_full_94_octet_auth_key() {
        let provider = sansrtc_crypto::rust_crypto::provider();
        let prf = provider
            .aes_key(&h("E1F97A0D3E018BE0D64FA32C06DE4139"))
            .unwrap();
        let salt = h("0EC675AD498AFEEBB6960B3AABE6");
        let mut auth = [0u8; 94];
        derive(&*prf, &salt, Label::RtpAuthentication, &mut auth);
        let expected = h(
            "CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA48F0A0ACF3C34E2359E6CDBCE
                          E049646C43D9327AD175578EF7227098 6371C10C9A369AC2F94A8C5FBCDDDC25
                          6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2",
        );
        assert_eq!(auth.to_vec(), expected);
        let mut salt_out = [0u8; 14];
        derive(&*prf, &salt, Label::RtpSalt, &mut salt_out);
        assert_eq!(salt_out.to_vec(), h("30CBBC08863D8C85D49DB34A9AE1"));
    }
}
