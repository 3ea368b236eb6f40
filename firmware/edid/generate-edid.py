#!/usr/bin/env python3
"""Generates the EDIDs the TC358743 HDMI-to-CSI bridge presents to the laptop.

Two variants, because the bridge's CSI-2 link limits the mode:
  edgecapture-1080p50.bin  2 CSI lanes (Raspberry Pi 4, Pi 3, Zero 2 W): 1080p50 preferred, no 1080p60.
  edgecapture-1080p60.bin  4 CSI lanes (Compute Module 4 / 5 carrier): 1080p60 preferred, 1080p50 too.
Both: EDID 1.3 base block + CTA-861 extension (HDMI vendor block, so sources send HDMI with audio
and YCbCr; basic LPCM stereo audio), 720p60/50, 576p50, 480p60, 1024x768, 800x600, 640x480.
Run it from anywhere: it writes the .bin files next to itself. The files are committed; tests check
that this script reproduces them byte for byte and that edid-decode accepts them.
"""
import os
import sys


def checksum(block):
    return (256 - sum(block) % 256) % 256


def manufacturer(letters):
    value = 0
    for letter in letters:
        value = (value << 5) | (ord(letter) - ord("A") + 1)
    return [value >> 8, value & 0xFF]


def detailed_timing(pixel_khz, h_active, h_front, h_sync, h_back, v_active, v_front, v_sync, v_back,
                    width_mm=531, height_mm=298):
    h_blank = h_front + h_sync + h_back
    v_blank = v_front + v_sync + v_back
    clock = pixel_khz // 10
    return [
        clock & 0xFF, clock >> 8,
        h_active & 0xFF, h_blank & 0xFF, ((h_active >> 8) << 4) | (h_blank >> 8),
        v_active & 0xFF, v_blank & 0xFF, ((v_active >> 8) << 4) | (v_blank >> 8),
        h_front & 0xFF, h_sync & 0xFF, ((v_front & 0x0F) << 4) | (v_sync & 0x0F),
        ((h_front >> 8) << 6) | ((h_sync >> 8) << 4) | ((v_front >> 4) << 2) | (v_sync >> 4),
        width_mm & 0xFF, height_mm & 0xFF, ((width_mm >> 8) << 4) | (height_mm >> 8),
        0, 0,
        0x1E,  # digital separate sync, +hsync +vsync, not interlaced
    ]


TIMING_1080P60 = detailed_timing(148500, 1920, 88, 44, 148, 1080, 4, 5, 36)
TIMING_1080P50 = detailed_timing(148500, 1920, 528, 44, 148, 1080, 4, 5, 36)
TIMING_720P60 = detailed_timing(74250, 1280, 110, 40, 220, 720, 5, 5, 20)


def text_descriptor(tag, text):
    body = text.encode("ascii")[:13]
    if len(body) < 13:
        body += b"\n" + b" " * (12 - len(body))
    return [0, 0, 0, tag, 0] + list(body)


def base_block(first_timing, second_timing, standard_timings, product_code):
    block = [0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00]
    block += manufacturer("ECP")
    block += [product_code & 0xFF, product_code >> 8]
    block += [1, 0, 0, 0]             # serial number
    block += [1, 2025 - 1990]         # week, year of manufacture
    block += [1, 3]                   # EDID 1.3
    block += [0x80]                   # digital input
    block += [53, 30]                 # 53 x 30 cm: 16:9
    block += [120]                    # gamma 2.2
    block += [0x0E]                   # RGB colour, sRGB default colour space, preferred timing is the first detailed timing
    block += [0xEE, 0x91, 0xA3, 0x54, 0x4C, 0x99, 0x26, 0x0F, 0x50, 0x54]  # sRGB chromaticity
    block += [0x21, 0x08, 0x00]       # established: 640x480@60, 800x600@60, 1024x768@60
    padded = standard_timings + [(0x01, 0x01)] * (8 - len(standard_timings))
    for first, second in padded:
        block += [first, second]
    block += first_timing
    block += second_timing
    block += text_descriptor(0xFC, "EdgeCapture")
    # Range limits: 24-61 Hz vertical, 15-70 kHz horizontal, 150 MHz maximum pixel clock, no secondary timing formula.
    block += [0, 0, 0, 0xFD, 0, 24, 61, 15, 70, 15, 0x00, 0x0A, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20]
    block += [1]                      # one extension block
    assert len(block) == 127, len(block)
    return block + [checksum(block)]


def cta_block(video_codes, detailed_timings):
    video = [(2 << 5) | len(video_codes)] + video_codes
    audio = [(1 << 5) | 3, (1 << 3) | 1, 0x07, 0x07]            # LPCM, 2 channels, 32/44.1/48 kHz, 16/20/24 bit
    speakers = [(4 << 5) | 3, 0x01, 0x00, 0x00]                # front left/right
    hdmi = [(3 << 5) | 7, 0x03, 0x0C, 0x00, 0x10, 0x00, 0x00, 165 // 5]  # HDMI OUI, address 1.0.0.0, 165 MHz TMDS
    capability = [(7 << 5) | 2, 0x00, 0xCA]                      # VCDB: selectable RGB/YCC quantization, IT/CE underscanned
    blocks = video + audio + speakers + hdmi + capability
    # Underscan, basic audio, YCbCr 4:4:4 and 4:2:2; one native detailed timing (the preferred one in the base block).
    block = [0x02, 0x03, 4 + len(blocks), 0xF0 | (1 + len(detailed_timings))]
    block += blocks
    for timing in detailed_timings:
        block += timing
    block += [0] * (127 - len(block))
    assert len(block) == 127, len(block)
    return block + [checksum(block)]


def standard(width, aspect_bits, refresh=60):
    return ((width // 8) - 31, (aspect_bits << 6) | (refresh - 60))


ASPECT_16_10, ASPECT_4_3, ASPECT_5_4, ASPECT_16_9 = 0, 1, 2, 3

COMMON_STANDARD = [standard(1280, ASPECT_16_9), standard(1280, ASPECT_16_10), standard(1280, ASPECT_5_4),
                   standard(1440, ASPECT_16_10), standard(1680, ASPECT_16_10)]

# CTA-861 VICs (the native mode is the preferred detailed timing of the base block): 31 1080p50, 16 1080p60, 4 720p60, 19 720p50, 3 480p60 16:9, 18 576p50 16:9, 1 640x480p60.
VARIANTS = {
    "edgecapture-1080p50.bin": (
        base_block(TIMING_1080P50, TIMING_720P60, COMMON_STANDARD, 0x0050),
        cta_block([31, 4, 19, 3, 18, 1], []),
    ),
    "edgecapture-1080p60.bin": (
        base_block(TIMING_1080P60, TIMING_1080P50, COMMON_STANDARD + [standard(1920, ASPECT_16_9)], 0x0060),
        cta_block([16, 31, 4, 19, 3, 18, 1], []),
    ),
}


def main():
    directory = os.path.dirname(os.path.abspath(__file__))
    target = sys.argv[1] if len(sys.argv) > 1 else directory
    for name, (base, extension) in VARIANTS.items():
        data = bytes(base + extension)
        assert len(data) == 256
        with open(os.path.join(target, name), "wb") as output:
            output.write(data)


if __name__ == "__main__":
    main()
