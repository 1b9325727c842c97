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
        provider.tls12_prf(
            suite.prf_hash(),
            &self.0,
            b"key expansion",
            &seed,
            &mut block,
        )?;
        let (client_key, rest) = block.split_at(key_len);
        let (server_key, rest) = rest.split_at(key_len);
        let (client_iv, server_iv) = rest.split_at(iv_len);
        let keys = (
            DirectionKeys {
                key: client_key.to_vec(),
                iv: client_iv.to_vec(),
            },
            DirectionKeys {
                key: server_key.to_vec(),
                iv: server_iv.to_vec(),
            },
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

#[cfg(test)]
mod tests {
    //! Vectors computed with OpenSSL 3.0's independent TLS1-PRF (`openssl kdf -kdfopt
    //! digest:SHA256 -kdfopt hexsecret:.. -kdfopt seed:"<label>" -kdfopt hexseed:.. TLS1-PRF`),
    //! inputs `pms = 00..1f`, `session_hash = 20..3f`, `client_random = 40..5f`,
    //! `server_random = 60..7f`.
    use super::*;

    fn bytes<const N: usize>(start: u8) -> [u8; N] {
        core::array::from_fn(|i| start + i as u8)
    }

    fn provider() -> CryptoProvider {
        sansrtc_crypto::default_provider()
    }

    const MS: &str = "913e8eae1e983c8da7ac4ba74bd309343125600986d88b3e13d195d5338edc4522afe385510c28f45a9087c97fe937cb";

    fn master() -> MasterSecret {
        let ms = MasterSecret::extended(
            &provider(),
            CipherSuite::EcdheEcdsaAes128GcmSha256,
            &bytes::<32>(0),
            &bytes::<32>(0x20),
        )
        .unwrap();
        assert_eq!(hex::encode(ms.as_bytes()), MS);
        ms
    }

    #[test]
    fn rfc5246_5_prf_p_sha256_published_vector() {
        // The widely used TLS 1.2 PRF vector (secret 9bbe43.., label "test label"); OpenSSL
        // gives the same 100 bytes.
        let mut out = [0u8; 100];
        provider()
            .tls12_prf(
                sansrtc_crypto::HashAlgorithm::Sha256,
                &hex::decode("9bbe436ba940f017b17652849a71db35").unwrap(),
                b"test label",
                &hex::decode("a0ba9f936cda311827a6f796ffd5198c").unwrap(),
                &mut out,
            )
            .unwrap();
        assert_eq!(
            hex::encode(out),
            "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66"
        );
    }

    #[test]
    fn rfc7627_4_extended_master_secret() {
        master();
    }

    #[test]
    fn rfc5246_6_3_key_expansion_aes128_gcm() {
        let (client, server) = master()
            .key_block(
                &provider(),
                CipherSuite::EcdheEcdsaAes128GcmSha256,
                &bytes(0x40),
                &bytes(0x60),
            )
            .unwrap();
        // key_block = client_write_key[16] server_write_key[16] client_IV[4] server_IV[4].
        let block =
            "b25dd625354dd87ad9efc0ca4cd6bcbdd1d7c11172a2e1fa6f35c044c15c44fb916c38d385381180";
        assert_eq!(hex::encode(&client.key), &block[..32]);
        assert_eq!(hex::encode(&server.key), &block[32..64]);
        assert_eq!(hex::encode(&client.iv), &block[64..72]);
        assert_eq!(hex::encode(&server.iv), &block[72..80]);
    }

    #[test]
    fn rfc5289_3_2_sha384_suite_uses_p_sha384() {
        let ms = MasterSecret::extended(
            &provider(),
            CipherSuite::EcdheEcdsaAes256GcmSha384,
            &bytes::<32>(0),
            &bytes::<48>(0),
        )
        .unwrap();
        assert_eq!(
            hex::encode(ms.as_bytes()),
            "626265293584fe4994d420697852ab39e863ff79aa2aa9def854ca6d7f65c0e8e36a213356aae45a9fd82509d8a91489"
        );
        let (client, server) = ms
            .key_block(
                &provider(),
                CipherSuite::EcdheEcdsaAes256GcmSha384,
                &bytes(0x40),
                &bytes(0x60),
            )
            .unwrap();
        let block = "26cf6042ff46e0c6590fb29baa45103740985eacec5d1c04a10937b717ece09aff7768360cfac1a3fa1523128c5b66314690ba033bcb83101999f142783caac99fb1894c0f15896e";
        assert_eq!(hex::encode(&client.key), &block[..64]);
        assert_eq!(hex::encode(&server.key), &block[64..128]);
        assert_eq!(hex::encode(&client.iv), &block[128..136]);
        assert_eq!(hex::encode(&server.iv), &block[136..144]);
    }

    #[test]
    fn rfc5705_4_exporter_extractor_dtls_srtp() {
        let mut out = [0u8; 60];
        master()
            .export(
                &provider(),
                CipherSuite::EcdheEcdsaAes128GcmSha256,
                b"EXTRACTOR-dtls_srtp",
                &bytes(0x40),
                &bytes(0x60),
                &mut out,
            )
            .unwrap();
        assert_eq!(
            hex::encode(out),
            "6a53d906e8905cd24fa1274011082d8a0e79ff276ad24df87f02ce982b4869a2d38f7f3ee1065893c4ae81ec1128a772814b454c365824d9a77608e4"
        );
    }

    #[test]
    fn rfc5705_4_reserved_labels_refused() {
        let mut out = [0u8; 12];
        let r = master().export(
            &provider(),
            CipherSuite::EcdheEcdsaAes128GcmSha256,
            b"key expansion",
            &bytes(0x40),
            &bytes(0x60),
            &mut out,
        );
        assert!(matches!(r, Err(Error::Export(_))));
    }

    #[test]
    fn rfc5246_7_4_9_finished_verify_data() {
        let v = master()
            .verify_data(
                &provider(),
                CipherSuite::EcdheEcdsaAes128GcmSha256,
                b"client finished",
                b"abc",
            )
            .unwrap();
        assert_eq!(hex::encode(v), "81dbf06762948a0426568cbf");
    }
}
