#!/bin/sh
# Prepares the TC358743 HDMI-to-CSI bridge before the capture service starts:
# loads our EDID (so the laptop offers modes the CSI link can carry) and, when a signal
# is already present, locks the DV timings and the UYVY format. Without a signal it
# leaves the timings alone: the capture service queries and sets them itself whenever
# the source appears or changes (VIDIOC_QUERY_DV_TIMINGS + V4L2_EVENT_SOURCE_CHANGE).
# USB HDMI dongles have a fixed EDID: for them this script does nothing.
set -eu

CONFIG_FILE="${EDGECAPTURE_CAPTURE_CONFIG:-/etc/default/edgecapture-capture}"
if [ -r "$CONFIG_FILE" ]; then
  # shellcheck source-path=SCRIPTDIR source=edgecapture-capture.default
  . "$CONFIG_FILE"
fi

CAPTURE_DEVICE="${CAPTURE_DEVICE:-/dev/video0}"
CSI_LANES="${CSI_LANES:-2}"
EDID_DIRECTORY="${EDID_DIRECTORY:-/usr/lib/edgecapture/edid}"
DEVICE_WAIT_SECONDS="${DEVICE_WAIT_SECONDS:-30}"
V4L2_CTL="${V4L2_CTL:-v4l2-ctl}"

log() {
  echo "edgecapture-capture-setup: $*"
}

case "$CSI_LANES" in
  2) default_edid="$EDID_DIRECTORY/edgecapture-1080p50.bin" ;;
  4) default_edid="$EDID_DIRECTORY/edgecapture-1080p60.bin" ;;
  *)
    log "CSI_LANES must be 2 or 4, not '$CSI_LANES'"
    exit 2
    ;;
esac
EDID_FILE="${EDID_FILE:-$default_edid}"

if [ ! -r "$EDID_FILE" ]; then
  log "EDID file $EDID_FILE is missing or unreadable"
  exit 2
fi

waited=0
while [ ! -e "$CAPTURE_DEVICE" ]; do
  if [ "$waited" -ge "$DEVICE_WAIT_SECONDS" ]; then
    log "$CAPTURE_DEVICE did not appear within $DEVICE_WAIT_SECONDS s (is dtoverlay=tc358743 in config.txt, or the dongle plugged in?)"
    exit 1
  fi
  sleep 1
  waited=$((waited + 1))
done

device_info="$("$V4L2_CTL" -d "$CAPTURE_DEVICE" --info 2>/dev/null || true)"

# Raspberry Pi 5: the camera front end (rp1-cfe) is media-controller-centric. The TC358743's EDID and DV timings
# are on /dev/v4l-subdevN, not on the video node, and the pipeline needs media-ctl links and formats set per pad.
# EdgeCapture does not support that path: refuse it here, loudly, rather than capture nothing in silence.
if printf '%s\n' "$device_info" | grep -qi 'rp1-cfe'; then
  log "$CAPTURE_DEVICE is the Raspberry Pi 5 camera front end (rp1-cfe): a TC358743 there keeps its EDID and DV timings on /dev/v4l-subdevN, which EdgeCapture does not support. On a Pi 5 use a USB HDMI dongle (videoSource v4l2-dongle) and remove 'include config-capture.txt' from config.txt. See hardware/capture.md."
  exit 2
fi

if ! printf '%s\n' "$device_info" | grep -qi 'tc358743\|unicam'; then
  log "$CAPTURE_DEVICE is not the TC358743 bridge (a USB dongle?): its EDID is fixed, nothing to load"
  exit 0
fi

log "loading $EDID_FILE into $CAPTURE_DEVICE"
"$V4L2_CTL" -d "$CAPTURE_DEVICE" --set-edid=pad=0,file="$EDID_FILE",format=raw --fix-edid-checksums

if "$V4L2_CTL" -d "$CAPTURE_DEVICE" --query-dv-timings >/dev/null 2>&1; then
  "$V4L2_CTL" -d "$CAPTURE_DEVICE" --set-dv-bt-timings query
  "$V4L2_CTL" -d "$CAPTURE_DEVICE" --set-fmt-video=pixelformat=UYVY
  log "signal present: timings locked, UYVY selected"
else
  log "no HDMI signal yet: the capture service will lock the timings when it appears"
fi
