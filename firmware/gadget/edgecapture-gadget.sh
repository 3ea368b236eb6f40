#!/usr/bin/env bash
# EdgeCapture USB HID gadget: creates or removes the composite gadget (keyboard, mouse, consumer control)
# through configfs (Documentation/usb/gadget_configfs.rst, Documentation/ABI/testing/configfs-usb-gadget-hid).
#
#   edgecapture-gadget.sh [options] up|down|status
#
# Options (each also settable by the environment variable in brackets):
#   --configfs DIR      configfs mount point [EDGECAPTURE_CONFIGFS, default /sys/kernel/config]
#   --udc NAME          UDC to bind [EDGECAPTURE_UDC, default: first entry of the UDC class directory]
#   --udc-class DIR     where UDCs are listed [EDGECAPTURE_UDC_CLASS, default /sys/class/udc]
#   --descriptors DIR   directory with keyboard.hid, mouse.hid, consumer.hid
#                       [EDGECAPTURE_DESCRIPTORS, default: ../hid next to this script]
#   --name NAME         gadget directory name [EDGECAPTURE_GADGET_NAME, default edgecapture]
#   --serial TEXT       USB serial number [EDGECAPTURE_SERIAL, default: from the files in
#                       EDGECAPTURE_SERIAL_FILES, default /proc/device-tree/serial-number:/etc/machine-id]
#   --manufacturer TEXT [EDGECAPTURE_MANUFACTURER, default EdgeCapture]
#   --product TEXT      [EDGECAPTURE_PRODUCT, default "EdgeCapture Keyboard and Mouse"]
#   --power bus|self    bmAttributes 0x80 + MaxPower 250 mA, or 0xC0 + MaxPower 2 mA [EDGECAPTURE_POWER, default bus]
#   --remote-wakeup     also set bmAttributes bit 5 (0x20) [EDGECAPTURE_REMOTE_WAKEUP=1]
#   --no-out-endpoint   keyboard LED reports by SET_REPORT on ep0, for firmwares that mishandle an OUT
#                       endpoint; needs kernel 5.12+ [EDGECAPTURE_NO_OUT_ENDPOINT=1]. Mouse and consumer
#                       control never get an OUT endpoint (they have no output report) where the kernel allows.
#   --pointer relative|absolute
#                       the mouse function: relative (mouse.hid, default) or absolute (absolute-pointer.hid,
#                       X/Y 0..32767, so recorded click coordinates are exact) [EDGECAPTURE_POINTER]
#   --force             `up` on a bound gadget: unbind, rebuild and bind again (the host re-enumerates)
#
# The script writes every attribute file itself, so it runs unchanged against a plain directory (tests):
# on configfs the kernel has created those files at mkdir and the writes set them.
# Idempotent: `up` on a bound gadget leaves it alone (unless --force); `up` on a gadget that exists but is not
# bound (a failed bind, a crash half way) tears it down and builds it again, because f_hid refuses attribute
# writes with EBUSY once a function is linked into a config; `down` on no gadget does nothing.
set -euo pipefail

readonly VENDOR_ID=0x1d6b          # Linux Foundation
readonly PRODUCT_ID=0x0104         # Multifunction Composite Gadget
readonly DEVICE_VERSION=0x0100     # bcdDevice 1.00: bump when the descriptors change
readonly USB_VERSION=0x0200        # bcdUSB 2.00: dwc2 on the Pi is a high-speed controller
readonly LANGUAGE=0x409            # strings in US English

# Function directory, interface subclass, interface protocol, report length, descriptor file.
# The keyboard is a boot keyboard (subclass 1, protocol 1); the mouse is not a boot mouse because its
# 16-bit X/Y report is not the 3-byte boot layout (see src/EdgeCapture.Hid/README.md).
# The absolute pointer has the same 7-byte length (buttons, X, Y 16-bit, wheel, pan), so only the descriptor changes.
pointer_descriptor() {
  case "$1" in
    relative) printf '%s' mouse.hid ;;
    absolute) printf '%s' absolute-pointer.hid ;;
    *) fail "--pointer must be relative or absolute, not '$1'" ;;
  esac
}

script_directory="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
configfs="${EDGECAPTURE_CONFIGFS:-/sys/kernel/config}"
udc="${EDGECAPTURE_UDC:-}"
udc_class="${EDGECAPTURE_UDC_CLASS:-/sys/class/udc}"
descriptors="${EDGECAPTURE_DESCRIPTORS:-${script_directory}/../hid}"
gadget_name="${EDGECAPTURE_GADGET_NAME:-edgecapture}"
serial="${EDGECAPTURE_SERIAL:-}"
serial_files="${EDGECAPTURE_SERIAL_FILES:-/proc/device-tree/serial-number:/etc/machine-id}"
manufacturer="${EDGECAPTURE_MANUFACTURER:-EdgeCapture}"
product="${EDGECAPTURE_PRODUCT:-EdgeCapture Keyboard and Mouse}"
power="${EDGECAPTURE_POWER:-bus}"
remote_wakeup="${EDGECAPTURE_REMOTE_WAKEUP:-0}"
no_out_endpoint="${EDGECAPTURE_NO_OUT_ENDPOINT:-0}"
pointer="${EDGECAPTURE_POINTER:-relative}"
force=0
action=""

usage() {
  sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"
}

fail() {
  printf 'edgecapture-gadget: %s\n' "$*" >&2
  exit 1
}

say() {
  printf 'edgecapture-gadget: %s\n' "$*"
}

need_value() {
  [[ $# -ge 2 && -n "$2" ]] || fail "option $1 needs a value"
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --configfs) need_value "$@"; configfs="$2"; shift 2 ;;
    --udc) need_value "$@"; udc="$2"; shift 2 ;;
    --udc-class) need_value "$@"; udc_class="$2"; shift 2 ;;
    --descriptors) need_value "$@"; descriptors="$2"; shift 2 ;;
    --name) need_value "$@"; gadget_name="$2"; shift 2 ;;
    --serial) need_value "$@"; serial="$2"; shift 2 ;;
    --manufacturer) need_value "$@"; manufacturer="$2"; shift 2 ;;
    --product) need_value "$@"; product="$2"; shift 2 ;;
    --power) need_value "$@"; power="$2"; shift 2 ;;
    --remote-wakeup) remote_wakeup=1; shift ;;
    --no-out-endpoint) no_out_endpoint=1; shift ;;
    --pointer) need_value "$@"; pointer="$2"; shift 2 ;;
    --force) force=1; shift ;;
    -h | --help) usage; exit 0 ;;
    up | down | status)
      [[ -z "$action" ]] || fail "one action only (got $action and $1)"
      action="$1"; shift ;;
    *) fail "unknown argument '$1' (try --help)" ;;
  esac
done

[[ -n "$action" ]] || fail "missing action: up, down or status (try --help)"
[[ "$gadget_name" =~ ^[A-Za-z0-9._-]+$ ]] || fail "gadget name '$gadget_name' must be letters, digits, '.', '_' or '-'"

case "$power" in
  bus) config_attributes=$((0x80)); max_power=250 ;;
  self) config_attributes=$((0xC0)); max_power=2 ;;
  *) fail "--power must be bus or self, not '$power'" ;;
esac
if [[ "$remote_wakeup" == "1" ]]; then
  config_attributes=$((config_attributes | 0x20))
fi
config_attributes="$(printf '0x%02x' "$config_attributes")"
pointer_file="$(pointer_descriptor "$pointer")"
readonly FUNCTIONS=(
  "hid.usb0 1 1 8 keyboard.hid"
  "hid.usb1 0 0 7 ${pointer_file}"
  "hid.usb2 0 0 2 consumer.hid"
)

gadget="${configfs}/usb_gadget/${gadget_name}"
config="${gadget}/configs/c.1"

# True when PATH lives on a real configfs mount (the kernel owns the attribute files there).
on_configfs() {
  [[ "$(stat -f -c %T "$1" 2>/dev/null || true)" == "configfs" ]]
}

write_attribute() {
  local file="$1" value="$2"
  printf '%s\n' "$value" >"$file" || fail "cannot write '$value' to $file"
}

# Converts an annotated hex descriptor (hex byte pairs, '#' comments) to its binary form on stdout.
descriptor_bytes() {
  local file="$1" line token escaped=""
  [[ -r "$file" ]] || fail "report descriptor $file is missing or unreadable"
  while IFS= read -r line || [[ -n "$line" ]]; do
    line="${line%%#*}"
    for token in $line; do
      [[ "$token" =~ ^[0-9A-Fa-f]{2}$ ]] || fail "$file: '$token' is not two hex digits"
      escaped+="\\x${token}"
    done
  done <"$file"
  [[ -n "$escaped" ]] || fail "$file holds no descriptor bytes"
  printf '%b' "$escaped"
}

resolve_serial() {
  local file candidate
  if [[ -n "$serial" ]]; then
    printf '%s' "$serial"
    return
  fi
  IFS=':' read -r -a candidates <<<"$serial_files"
  for file in "${candidates[@]}"; do
    if [[ -r "$file" ]]; then
      # The device-tree serial ends with a NUL byte; keep printable characters only.
      candidate="$(tr -dc '[:alnum:]' <"$file")"
      if [[ -n "$candidate" ]]; then
        printf '%s' "$candidate"
        return
      fi
    fi
  done
  printf '%s' "0000000000000000"
}

resolve_udc() {
  local entry
  if [[ -n "$udc" ]]; then
    printf '%s' "$udc"
    return
  fi
  [[ -d "$udc_class" ]] || fail "no UDC class directory $udc_class: is dtoverlay=dwc2,dr_mode=peripheral set and dwc2 loaded?"
  for entry in "$udc_class"/*; do
    if [[ -e "$entry" ]]; then
      basename "$entry"
      return
    fi
  done
  fail "no UDC listed in $udc_class: is dtoverlay=dwc2,dr_mode=peripheral set and dwc2 loaded?"
}

bound_udc() {
  if [[ -r "${gadget}/UDC" ]]; then
    tr -d '[:space:]' <"${gadget}/UDC"
  fi
}

gadget_up() {
  local bound target_udc serial_number entry function_name subclass protocol length descriptor_file
  bound="$(bound_udc)"
  if [[ -n "$bound" && "$force" != "1" ]]; then
    say "gadget ${gadget_name} already bound to ${bound}; nothing to do (--force rebuilds it)"
    return
  fi

  target_udc="$(resolve_udc)"
  serial_number="$(resolve_serial)"
  # Check every descriptor before touching configfs, so a bad file leaves nothing half built (or torn down).
  for entry in "${FUNCTIONS[@]}"; do
    read -r function_name subclass protocol length descriptor_file <<<"$entry"
    descriptor_bytes "${descriptors}/${descriptor_file}" >/dev/null
  done

  if [[ -d "$gadget" ]]; then
    # Bound with --force, or left unbound by a failed bind: the functions are still linked into c.1, and f_hid
    # answers EBUSY to every attribute write on a linked function. Only a rebuild from nothing can succeed.
    if [[ -n "$bound" ]]; then
      say "gadget ${gadget_name} bound to ${bound}; --force: tearing it down and building it again"
    else
      say "gadget ${gadget_name} exists but is not bound; tearing it down and building it again"
    fi
    gadget_down
  fi

  if [[ ! -d "${configfs}/usb_gadget" ]] && on_configfs "$configfs" && command -v modprobe >/dev/null; then
    modprobe libcomposite || fail "modprobe libcomposite failed"
  fi
  [[ -d "${configfs}/usb_gadget" ]] || fail "${configfs}/usb_gadget does not exist: is configfs mounted and libcomposite loaded?"

  mkdir -p "$gadget" "${gadget}/strings/${LANGUAGE}" "$config" "${config}/strings/${LANGUAGE}" "${gadget}/functions"
  write_attribute "${gadget}/idVendor" "$VENDOR_ID"
  write_attribute "${gadget}/idProduct" "$PRODUCT_ID"
  write_attribute "${gadget}/bcdDevice" "$DEVICE_VERSION"
  write_attribute "${gadget}/bcdUSB" "$USB_VERSION"
  write_attribute "${gadget}/bDeviceClass" 0x00
  write_attribute "${gadget}/bDeviceSubClass" 0x00
  write_attribute "${gadget}/bDeviceProtocol" 0x00
  write_attribute "${gadget}/strings/${LANGUAGE}/manufacturer" "$manufacturer"
  write_attribute "${gadget}/strings/${LANGUAGE}/product" "$product"
  write_attribute "${gadget}/strings/${LANGUAGE}/serialnumber" "$serial_number"
  write_attribute "${config}/strings/${LANGUAGE}/configuration" "Keyboard, mouse and consumer control"
  write_attribute "${config}/MaxPower" "$max_power"
  write_attribute "${config}/bmAttributes" "$config_attributes"

  for entry in "${FUNCTIONS[@]}"; do
    read -r function_name subclass protocol length descriptor_file <<<"$entry"
    local function_directory="${gadget}/functions/${function_name}"
    mkdir -p "$function_directory"
    write_attribute "${function_directory}/protocol" "$protocol"
    write_attribute "${function_directory}/subclass" "$subclass"
    write_attribute "${function_directory}/report_length" "$length"
    descriptor_bytes "${descriptors}/${descriptor_file}" >"${function_directory}/report_desc" \
      || fail "cannot write ${function_directory}/report_desc"
    if [[ "$function_name" != "hid.usb0" ]]; then
      # Mouse and consumer control have no output report: without an OUT endpoint they use one endpoint
      # each instead of two (dwc2 on the Pi has few). Kernels before 5.12 lack the attribute: skip it there.
      if [[ -e "${function_directory}/no_out_endpoint" ]] || ! on_configfs "$function_directory"; then
        write_attribute "${function_directory}/no_out_endpoint" 1
      fi
    elif [[ "$no_out_endpoint" == "1" ]]; then
      if on_configfs "$function_directory" && [[ ! -e "${function_directory}/no_out_endpoint" ]]; then
        fail "--no-out-endpoint needs kernel 5.12 or later (no ${function_directory}/no_out_endpoint)"
      fi
      write_attribute "${function_directory}/no_out_endpoint" 1
    fi
    # An absolute target works on configfs and in a plain directory alike.
    if [[ ! -L "${config}/${function_name}" ]]; then
      ln -s "$function_directory" "${config}/${function_name}"
    fi
  done

  write_attribute "${gadget}/UDC" "$target_udc"
  say "gadget ${gadget_name} bound to ${target_udc}"
}

# Removes a directory the script created: configfs removes attribute files itself, a plain directory does not.
remove_directory() {
  local directory="$1"
  [[ -d "$directory" ]] || return 0
  if ! on_configfs "$directory"; then
    find "$directory" -mindepth 1 -maxdepth 1 ! -type d -delete
  fi
  rmdir "$directory" || fail "cannot remove $directory"
}

gadget_down() {
  local link function_directory
  if [[ ! -d "$gadget" ]]; then
    say "no gadget ${gadget_name} under ${configfs}; nothing to do"
    return
  fi
  if [[ -n "$(bound_udc)" ]]; then
    write_attribute "${gadget}/UDC" ""
  fi
  for link in "$config"/*; do
    if [[ -L "$link" ]]; then
      rm "$link"
    fi
  done
  remove_directory "${config}/strings/${LANGUAGE}"
  if ! on_configfs "$config"; then
    remove_directory "${config}/strings"
  fi
  remove_directory "$config"
  for function_directory in "${gadget}/functions"/*; do
    remove_directory "$function_directory"
  done
  remove_directory "${gadget}/strings/${LANGUAGE}"
  if ! on_configfs "$gadget"; then
    # In a plain directory the containers configfs would own are ours to remove.
    remove_directory "${gadget}/configs"
    remove_directory "${gadget}/functions"
    remove_directory "${gadget}/strings"
  fi
  remove_directory "$gadget"
  say "gadget ${gadget_name} removed"
}

gadget_status() {
  local bound
  if [[ ! -d "$gadget" ]]; then
    say "absent"
    return 3
  fi
  bound="$(bound_udc)"
  if [[ -z "$bound" ]]; then
    say "present, not bound"
    return 3
  fi
  local state="unknown"
  if [[ -r "${udc_class}/${bound}/state" ]]; then
    state="$(tr -d '[:space:]' <"${udc_class}/${bound}/state")"
  fi
  say "bound to ${bound}, state ${state}"
}

case "$action" in
  up) gadget_up ;;
  down) gadget_down ;;
  status) gadget_status ;;
esac
