//! webrtc-rs (crates.io `webrtc`, tokio runtime): two `PeerConnection`s in one process on
//! 127.0.0.1, non-trickle (gathering completes before the description is passed on), a
//! reliable ordered channel, sends that wait while more than [`HIGH_WATER`] bytes are
//! outstanding (`with_data_channel_send_buffer_limit`, webrtc-rs' buffered-amount flow control).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use webrtc::data_channel::{DataChannel, DataChannelEvent};
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCConfigurationBuilder,
    RTCIceGatheringState,
};
use webrtc::runtime::{Runtime, Sender, channel, default_runtime};

use crate::{HIGH_WATER, MESSAGE, Outcome, Receiver, TIMEOUT, TOTAL};

#[derive(Clone)]
struct Handler {
    gathered: Sender<()>,
    /// The answerer hands the channel the offerer opened to the test.
    channel: Option<Sender<Arc<dyn DataChannel>>>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            let _ = self.gathered.try_send(());
        }
    }
    async fn on_data_channel(&self, dc: Arc<dyn DataChannel>) {
        if let Some(tx) = &self.channel {
            let _ = tx.try_send(dc);
        }
    }
}

pub fn run() -> Result<Outcome, String> {
    let runtime = default_runtime().ok_or("no webrtc runtime")?;
    let out: Arc<Mutex<Option<Result<Outcome, String>>>> = Arc::new(Mutex::new(None));
    let slot = out.clone();
    let rt = runtime.clone();
    runtime.block_on(Box::pin(async move {
        let r = match webrtc::runtime::timeout(&*rt, TIMEOUT, go(rt.clone())).await {
            Ok(r) => r,
            Err(_) => Err("timed out".to_string()),
        };
        *slot.lock().unwrap() = Some(r);
    }));
    let r = out.lock().unwrap().take();
    r.unwrap_or_else(|| Err("did not run".into()))
}

async fn go(rt: Arc<dyn Runtime>) -> Result<Outcome, String> {
    let e = |e: &dyn std::fmt::Display| e.to_string();
    let (og_tx, mut og_rx) = channel::<()>(1);
    let (ag_tx, mut ag_rx) = channel::<()>(1);
    let (ch_tx, mut ch_rx) = channel::<Arc<dyn DataChannel>>(1);
    let builder = |handler: Handler| {
        PeerConnectionBuilder::new()
            .with_configuration(RTCConfigurationBuilder::new().build())
            .with_handler(Arc::new(handler))
            .with_runtime(rt.clone())
            .with_udp_addrs(vec!["127.0.0.1:0".to_string()])
            .with_data_channel_send_buffer_limit(HIGH_WATER)
    };
    let offerer = builder(Handler {
        gathered: og_tx,
        channel: None,
    })
    .build()
    .await
    .map_err(|x| e(&x))?;
    let answerer = builder(Handler {
        gathered: ag_tx,
        channel: Some(ch_tx),
    })
    .build()
    .await
    .map_err(|x| e(&x))?;

    let start = Instant::now();
    let dc = offerer
        .create_data_channel("bench", None)
        .await
        .map_err(|x| e(&x))?;
    let offer = offerer.create_offer(None).await.map_err(|x| e(&x))?;
    offerer
        .set_local_description(offer)
        .await
        .map_err(|x| e(&x))?;
    og_rx.recv().await;
    let offer = offerer.local_description().await.ok_or("no offer")?;
    answerer
        .set_remote_description(offer)
        .await
        .map_err(|x| e(&x))?;
    let answer = answerer.create_answer(None).await.map_err(|x| e(&x))?;
    answerer
        .set_local_description(answer)
        .await
        .map_err(|x| e(&x))?;
    ag_rx.recv().await;
    let answer = answerer.local_description().await.ok_or("no answer")?;
    offerer
        .set_remote_description(answer)
        .await
        .map_err(|x| e(&x))?;

    // Open on both sides: the offerer's OnOpen and the answerer's channel (and its OnOpen).
    loop {
        match dc.poll().await {
            Some(DataChannelEvent::OnOpen) => break,
            Some(DataChannelEvent::OnClose) | None => return Err("closed before open".into()),
            _ => {}
        }
    }
    let remote = ch_rx.recv().await.ok_or("no remote channel")?;
    let setup = start.elapsed();

    // The receiver runs as its own task; the sender loops here.
    let (done_tx, mut done_rx) = channel::<Receiver>(1);
    let _receiver = rt.spawn(Box::pin(async move {
        let mut rx = Receiver::new();
        while let Some(ev) = remote.poll().await {
            if let DataChannelEvent::OnMessage(m) = ev {
                rx.on_message(m.data.len());
                if rx.done() {
                    break;
                }
            }
        }
        let _ = done_tx.try_send(rx);
    }));
    let cpu0 = crate::measure::cpu();
    let t0 = Instant::now();
    let chunk = BytesMut::from(&vec![0x5a; MESSAGE][..]);
    let mut sent = 0;
    while sent < TOTAL {
        dc.send(chunk.clone()).await.map_err(|x| e(&x))?;
        sent += MESSAGE;
    }
    let rx = done_rx.recv().await.ok_or("receiver gone")?;
    let transfer = t0.elapsed();
    let cpu = crate::measure::cpu() - cpu0;
    let _ = offerer.close().await;
    let _ = answerer.close().await;
    Ok(Outcome {
        setup,
        transfer,
        bytes: rx.bytes,
        cpu,
        stalls: rx.stalls,
        max_gap: rx.max_gap.max(Duration::ZERO),
    })
}
