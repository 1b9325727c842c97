//! The key schedule of (D)TLS 1.2 with the extended master secret: RFC 7627 §4, RFC 5246 §6.3,
//! §7.4.9, and the RFC 5705 exporter.

use sansrtc_crypto::CryptoProvider;

use crate::Error;
use crate::handshake::Random;
use crate::suite::CipherSuite;

/// Bytes in the master secret.
pub const MASTER_SECRET_LEN: usize = 48;

/// The master secret, computed the RFC 7627 way from the session hash.
#[derive(Clone)]
pub(crate) struct MasterSecret([u8; MASTER_SECRET_LEN]);

impl core::fmt::Debug for MasterSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("MasterSecret(..)")
    }
}

impl Drop for MasterSecret {
    fn drop(&mut self) {
        self.0.iter_mut().for_each(|b| *b = 0);
    }
}

/// Write keys for one direction.
pub(crate) struct DirectionKeys {
    pub key: Vec<u8>,
    pub iv: Vec<u8>,
}

impl Drop for DirectionKeys {
    fn drop(&mut self) {
        self.key.iter_mut().for_each(|b| *b = 0);
    }
}

impl MasterSecret {
    /// The secret bytes (for the NSS key log).
    pub fn as_bytes(&self) -> &[u8; MASTER_SECRET_LEN] {
        &self.0
    }

    /// `master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47]`
    /// (RFC 7627 §4).
    pub fn extended(
        provider: &CryptoProvider,
        suite: CipherSuite,
        pre_master_secret: &[u8],
        session_hash: &[u8],
    ) -> Result<Self, Error> {
        let mut out = [0u8; MASTER_SECRET_LEN];
        provider.tls12_prf(
            suite.prf_hash(),
            pre_master_secret,
            b"extended master secret",
            session_hash,
            &mut out,
        )?;
        Ok(Self(out))
    }

    /// The key block split into (client_write, server_write) keys (RFC 5246 §6.3). AEAD suites
    /// have no MAC keys.
    pub fn key_block(
        &self,
        provider: &CryptoProvider,
        suite: CipherSuite,
        client_random: &Random,
        server_random: &Random,
    ) -> Result<(DirectionKeys, DirectionKeys), Error> {
        let key_len = suite.aead().key_len();
        let iv_len = suite.fixed_iv_len();
        let mut block = vec![0u8; 2 * (key_len + iv_len)];
        let seed = [server_random.as_slice(), client_random.as_slice()].concat();
        provider.tls12_prf(suite.prf_hash(), &self.0, b"key expansion", &seed, &mut block)?;
        let (client_key, rest) = block.split_at(key_len);
        let (server_key, rest) = rest.split_at(key_len);
        let (client_iv, server_iv) = rest.split_at(iv_len);
        let keys = (
            DirectionKeys { key: client_key.to_vec(), iv: client_iv.to_vec() },
            DirectionKeys { key: server_key.to_vec(), iv: server_iv.to_vec() },
        );
        block.iter_mut().for_each(|b| *b = 0);
        Ok(keys)
    }

    /// `verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]`
    /// (RFC 5246 §7.4.9).
    pub fn verify_data(
        &self,
        provider: &CryptoProvider,
        suite: CipherSuite,
        label: &[u8],
        transcript: &[u8],
    ) -> Result<[u8; 12], Error> {
        let hash = provider.hash(suite.prf_hash(), transcript);
        let mut out = [0u8; 12];
        provider.tls12_prf(suite.prf_hash(), &self.0, label, hash.as_bytes(), &mut out)?;
        Ok(out)
    }

    /// RFC 5705 §4 without context: `PRF(master_secret, label, client_random + server_random)`.
    pub fn export(
        &self,
        provider: &CryptoProvider,
        suite: CipherSuite,
        label: &[u8],
        client_random: &Random,
        server_random: &Random,
        out: &mut [u8],
    ) -> Result<(), Error> {
        // RFC 5705 §4: labels used by the handshake itself are reserved.
        const RESERVED: [&[u8]; 5] = [
            b"client finished",
            b"server finished",
            b"master secret",
            b"key expansion",
            b"extended master secret",
        ];
        if RESERVED.contains(&label) {
            return Err(Error::Export("reserved label"));
        }
        let seed = [client_random.as_slice(), server_random.as_slice()].concat();
        provider.tls12_prf(suite.prf_hash(), &self.0, label, &seed, out)?;
        Ok(())
    }
}
