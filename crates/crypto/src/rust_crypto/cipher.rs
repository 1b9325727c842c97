use aes::cipher::consts::U16;
use aes::cipher::{
    BlockCipher, BlockEncrypt, BlockSizeUser, InnerIvInit, KeyInit, KeySizeUser, StreamCipher,
    StreamCipherCoreWrapper,
};

use crate::Error;
use crate::cipher::{AesKey, AesProvider, BLOCK_LEN};

#[derive(Debug)]
pub(super) struct RustCryptoAes;

impl AesProvider for RustCryptoAes {
    fn aes_key(&self, key: &[u8]) -> Result<Box<dyn AesKey>, Error> {
        let bad_len = |_| Error::InvalidKeyLength(key.len());
        // The encrypt-only key types: counter mode never runs the inverse cipher, and they
        // hold half the round keys.
        Ok(match key.len() {
            16 => Box::new(Key(aes::Aes128Enc::new_from_slice(key).map_err(bad_len)?)),
            24 => Box::new(Key(aes::Aes192Enc::new_from_slice(key).map_err(bad_len)?)),
            32 => Box::new(Key(aes::Aes256Enc::new_from_slice(key).map_err(bad_len)?)),
            other => return Err(Error::InvalidKeyLength(other)),
        })
    }
}

struct Key<C>(C);

impl<C> AesKey for Key<C>
where
    C: BlockCipher + BlockEncrypt + BlockSizeUser<BlockSize = U16> + KeySizeUser + Send + Sync,
{
    fn key_len(&self) -> usize {
        C::key_size()
    }

    fn xor_keystream(&self, iv: &[u8; BLOCK_LEN], buf: &mut [u8]) {
        // Borrow the expanded key: no key schedule and no copy of the round keys per call.
        let core = ctr::CtrCore::<&C, ctr::flavors::Ctr128BE>::inner_iv_init(&self.0, iv.into());
        let mut ctr = StreamCipherCoreWrapper::from_core(core);
        if ctr.try_apply_keystream(buf).is_err() {
            // The 128-bit counter would pass 2^128 - 1 within `buf`: the ctr crate refuses
            // that, RFC 3711 §4.1.1 wraps modulo 2^128. Practically unreachable (it needs
            // an IV within `buf.len() / 16` of all-ones), so a block-at-a-time path suffices.
            xor_keystream_wrapping(&self.0, iv, buf);
        }
    }

    fn encrypt_block(&self, block: &mut [u8; BLOCK_LEN]) {
        self.0.encrypt_block(block.into());
    }
}

fn xor_keystream_wrapping<C>(cipher: &C, iv: &[u8; BLOCK_LEN], buf: &mut [u8])
where
    C: BlockEncrypt + BlockSizeUser<BlockSize = U16>,
{
    let mut counter = u128::from_be_bytes(*iv);
    for chunk in buf.chunks_mut(BLOCK_LEN) {
        let mut keystream = counter.to_be_bytes();
        cipher.encrypt_block((&mut keystream).into());
        for (b, k) in chunk.iter_mut().zip(keystream) {
            *b ^= k;
        }
        counter = counter.wrapping_add(1);
    }
}
