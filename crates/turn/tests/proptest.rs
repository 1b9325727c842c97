//! Property tests: ChannelData round-trips (RFC 8656 §12.4), and no input makes the client
//! panic.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use sansrtc_turn::{CHANNEL_NUMBERS, ChannelData, Client, ClientConfig, is_channel_data};

proptest! {
    #[test]
    fn rfc8656_12_4_channel_data_parse_of_encode_is_identity(
        channel in CHANNEL_NUMBERS,
        data in proptest::collection::vec(any::<u8>(), 0..1500),
        padding in 0usize..4,
    ) {
        let mut out = Vec::new();
        ChannelData::encode(channel, &data, &mut out).unwrap();
        prop_assert!(is_channel_data(&out));
        out.extend(std::iter::repeat_n(0, padding));
        let parsed = ChannelData::parse(&out).unwrap();
        prop_assert_eq!(parsed.channel, channel);
        prop_assert_eq!(parsed.data, &data[..]);
    }

    #[test]
    fn channel_data_parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = ChannelData::parse(&bytes);
    }

    #[test]
    fn client_never_panics_on_server_garbage(
        datagrams in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..200), 0..20),
    ) {
        let now = Instant::now();
        let server: SocketAddr = "192.0.2.10:3478".parse().unwrap();
        let config = ClientConfig::new(server, "10.0.0.1:5000".parse().unwrap(), "u", "p");
        let mut client = Client::new(now, config, &mut ChaCha20Rng::seed_from_u64(1));
        let mut buf = Vec::new();
        for (i, d) in datagrams.iter().enumerate() {
            let later = now + Duration::from_millis(i as u64 * 100);
            let _ = client.handle_datagram(later, server, d);
            client.handle_timeout(later);
            while client.poll_transmit(later, &mut buf).is_some() {}
            while client.poll_event().is_some() {}
        }
    }
}
