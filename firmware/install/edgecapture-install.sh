#!/usr/bin/env bash
# Turns a stock Raspberry Pi OS (64-bit, bookworm) root into an EdgeCapture box, or takes it back out.
#
#   edgecapture-install.sh [--root DIR] --publish DIR [--capture bridge|dongle|none] [--pinout FILE] [--firmware-version V] install
#   edgecapture-install.sh [--root DIR] [--purge] uninstall
#
# --root is the target root file system (default /): the running system, or a mounted SD card image. Everything is
# written below it; nothing on the host changes when it is not /: users and groups go into DIR/etc/passwd and friends
# through useradd/groupadd/usermod --prefix, owners are numeric ids from DIR/etc/passwd, and units are enabled by
# creating their multi-user.target.wants links under DIR (what systemctl enable does) instead of calling systemctl.
# --publish is the output of "dotnet cake --target=Publish" for the box (artifacts/publish/linux-arm64), which must
# hold the self-contained "edgecapture" executable. Both commands can be repeated: a second install leaves the same
# tree, and uninstall removes what install wrote, restores config.txt line for line, and keeps /etc/edgecapture, the
# service user and /var/lib/edgecapture (sealed segments not yet confirmed by the collector live there) unless
# --purge is given, which removes the configuration and the user too but still never deletes /var/lib/edgecapture.
# --firmware-version names the image in /etc/edgecapture/firmware-version (the box's fleet birth reports it); without it
# the version is "content-" and the first 12 hex digits of a SHA-256 over the firmware and publish trees, so the same
# content always gets the same name.
set -euo pipefail

SCRIPT_DIRECTORY="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FIRMWARE="$(dirname "$SCRIPT_DIRECTORY")"
readonly SCRIPT_DIRECTORY FIRMWARE
readonly SERVICE_USER=edgecapture
readonly BEGIN_MARKER="# >>> EdgeCapture (firmware/install/edgecapture-install.sh; removed by its uninstall)"
readonly END_MARKER="# <<< EdgeCapture"
readonly OTG_DISABLED_SUFFIX=" # EdgeCapture: disabled, dwc2 needs the OTG port (restored by uninstall)"
readonly UNITS=(edgecapture-gadget.service edgecapture.service edgecapture-capture-setup.service)

root=/
publish=
capture=bridge
pinout="$(dirname "$FIRMWARE")/hardware/pinout.json"
purge=0
firmware_version=
command=

log() {
  echo "edgecapture-install: $*"
}

fail() {
  echo "edgecapture-install: $*" >&2
  exit 2
}

usage() {
  sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

while [ "$#" -gt 0 ]; do
  case "$1" in
    --root) root="${2:?--root needs a directory}"; shift 2 ;;
    --publish) publish="${2:?--publish needs a directory}"; shift 2 ;;
    --capture) capture="${2:?--capture needs bridge, dongle or none}"; shift 2 ;;
    --pinout) pinout="${2:?--pinout needs a file}"; shift 2 ;;
    --purge) purge=1; shift ;;
    --firmware-version) firmware_version="${2:?--firmware-version needs a version}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    install|uninstall) command="$1"; shift ;;
    *) usage >&2; fail "unknown argument '$1'" ;;
  esac
done

[ -n "$command" ] || { usage >&2; fail "say install or uninstall"; }
case "$capture" in bridge|dongle|none) ;; *) fail "--capture must be bridge, dongle or none, not '$capture'" ;; esac
[ "$(id -u)" -eq 0 ] || fail "run as root: it sets owners and writes users and groups"
[ -d "$root" ] || fail "target root $root is not a directory"
root="$(cd "$root" && pwd)"
for file in passwd group shadow gshadow; do
  [ -f "$root/etc/$file" ] || fail "$root/etc/$file is missing: $root is not a Raspberry Pi OS root"
done

# Paths inside the target.
target() {
  if [ "$root" = / ]; then printf '%s\n' "$1"; else printf '%s%s\n' "$root" "$1"; fi
}

boot_config() {
  # bookworm: /boot/firmware/config.txt; /boot/config.txt is then a stub saying so. Before bookworm: /boot/config.txt.
  if [ -f "$(target /boot/firmware/config.txt)" ]; then
    target /boot/firmware/config.txt
  elif [ -f "$(target /boot/config.txt)" ]; then
    target /boot/config.txt
  else
    fail "no /boot/firmware/config.txt (or /boot/config.txt) under $root: not a Raspberry Pi OS root"
  fi
}

# useradd and friends edit the target's files without touching the host's when given --prefix.
account_tool() {
  local tool="$1"
  shift
  if [ "$root" = / ]; then "$tool" "$@"; else "$tool" --prefix "$root" "$@"; fi
}

numeric_id() {
  # $1 passwd|group, $2 name: the id in the target's own database (the host's may differ or lack the name).
  awk -F: -v name="$2" '$1 == name { print $3; found = 1 } END { exit !found }' "$root/etc/$1"
}

has_entry() {
  grep -q "^$2:" "$root/etc/$1"
}

# put SOURCE DESTINATION MODE [OWNER:GROUP as names in the target]: copy only when the content differs.
put() {
  local source="$1" destination="$2" mode="$3" owner="${4:-root:root}"
  local uid gid
  uid="$(numeric_id passwd "${owner%%:*}")"
  gid="$(numeric_id group "${owner##*:}")"
  mkdir -p "$(dirname "$destination")"
  if ! cmp -s "$source" "$destination"; then
    cp "$source" "$destination.edgecapture-new"
    mv -f "$destination.edgecapture-new" "$destination"
  fi
  chown "$uid:$gid" "$destination"
  chmod "$mode" "$destination"
}

# keep SOURCE DESTINATION MODE OWNER:GROUP: a configuration file the operator edits; written only when absent, but its
# owner and mode are set every time (a pinout the service could rewrite would let it overrule the privacy switch).
keep() {
  local source="$1" destination="$2"
  if [ ! -e "$destination" ]; then
    put "$@"
    return
  fi
  local uid gid
  uid="$(numeric_id passwd "${4%%:*}")"
  gid="$(numeric_id group "${4##*:}")"
  chown "$uid:$gid" "$destination"
  chmod "$3" "$destination"
}

# put_text TEXT DESTINATION MODE: a one-line file, through put (so an unchanged one is left alone).
put_text() {
  local text="$1" destination="$2" mode="$3" staged
  staged="$(mktemp)"
  printf '%s\n' "$text" >"$staged"
  put "$staged" "$destination" "$mode"
  rm -f "$staged"
}

# What the installed content is called when --firmware-version is not given: a hash of the firmware and publish trees
# (relative paths and contents, in a fixed order), independent of where they are checked out.
content_version() {
  local tree digest
  digest="$(for tree in "$FIRMWARE" "$publish"; do
    (cd "$tree" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
  done | sha256sum)"
  printf 'content-%s\n' "${digest:0:12}"
}

directory() {
  # directory PATH MODE [OWNER:GROUP]
  local path="$1" mode="$2" owner="${3:-root:root}"
  mkdir -p "$path"
  chown "$(numeric_id passwd "${owner%%:*}"):$(numeric_id group "${owner##*:}")" "$path"
  chmod "$mode" "$path"
}

install_accounts() {
  local group
  for group in input video gpio; do
    if ! has_entry group "$group"; then
      account_tool groupadd --system "$group"
      log "created group $group"
    fi
  done
  if ! has_entry passwd "$SERVICE_USER"; then
    account_tool useradd --system --user-group --no-create-home --home-dir /var/lib/edgecapture \
      --shell /usr/sbin/nologin --comment "EdgeCapture appliance" "$SERVICE_USER"
    log "created system user $SERVICE_USER"
  fi
  for group in input video gpio; do
    if ! awk -F: -v group="$group" -v user="$SERVICE_USER" \
        '$1 == group { n = split($4, members, ","); for (i = 1; i <= n; i++) if (members[i] == user) found = 1 } END { exit !found }' \
        "$root/etc/group"; then
      account_tool usermod --append --groups "$group" "$SERVICE_USER"
    fi
  done
}

remove_boot_block() {
  # Drops our marked block and re-enables the stock otg_mode line we commented out; nothing else changes.
  local config="$1"
  awk -v begin="$BEGIN_MARKER" -v end="$END_MARKER" -v suffix="$OTG_DISABLED_SUFFIX" '
    $0 == begin { skipping = 1; next }
    skipping && $0 == end { skipping = 0; next }
    skipping { next }
    {
      n = length(suffix)
      if (substr($0, 1, 1) == "#" && length($0) > n && substr($0, length($0) - n + 1) == suffix) {
        print substr($0, 2, length($0) - n - 1)
        next
      }
      print
    }' "$config" > "$config.edgecapture-new"
  cat "$config.edgecapture-new" > "$config"
  rm -f "$config.edgecapture-new"
}

install_boot() {
  local config boot
  config="$(boot_config)"
  boot="$(dirname "$config")"
  remove_boot_block "$config"
  {
    # CM4: the stock "[cm4] otg_mode=1" keeps the OTG port on the XHCI host controller. Our block sets otg_mode=0
    # after it (the last value wins) and the stock line is commented out as well, so neither order nor a later edit
    # of ours alone decides it.
    awk -v suffix="$OTG_DISABLED_SUFFIX" '/^[[:space:]]*otg_mode=1[[:space:]]*$/ { print "#" $0 suffix; next } { print }' "$config"
    printf '%s\n' "$BEGIN_MARKER"
    if [ "$capture" = bridge ]; then
      cat "$FIRMWARE/boot/config.txt.fragment"
    else
      grep -v '^include config-capture.txt$' "$FIRMWARE/boot/config.txt.fragment"
    fi
    printf '%s\n' "$END_MARKER"
  } > "$config.edgecapture-new"
  cat "$config.edgecapture-new" > "$config"
  rm -f "$config.edgecapture-new"
  if [ "$capture" = bridge ]; then
    put "$FIRMWARE/boot/config-capture.txt" "$boot/config-capture.txt" 0644
  else
    rm -f "$boot/config-capture.txt"
  fi
}

install_published() {
  # /opt/edgecapture is wholly ours: build the new tree beside it and swap, so it holds exactly this release.
  local opt staging
  opt="$(target /opt/edgecapture)"
  staging="$opt.edgecapture-new"
  rm -rf "$staging"
  mkdir -p "$staging/firmware/hid" "$staging/firmware/gadget"
  cp -R "$publish/." "$staging/"
  cp "$FIRMWARE"/hid/*.hid "$staging/firmware/hid/"
  cp "$FIRMWARE/gadget/edgecapture-gadget.sh" "$staging/firmware/gadget/"
  cp "$FIRMWARE/README.md" "$staging/firmware/"
  chown -R 0:0 "$staging"
  # Read-only for everyone but root; executables stay executable.
  find "$staging" -type d -exec chmod 0755 {} +
  find "$staging" -type f -perm /0111 -exec chmod 0755 {} +
  find "$staging" -type f ! -perm /0111 -exec chmod 0644 {} +
  chmod 0755 "$staging/edgecapture" "$staging/firmware/gadget/edgecapture-gadget.sh"
  mkdir -p "$(dirname "$opt")"
  rm -rf "$opt.edgecapture-old"
  if [ -e "$opt" ]; then mv "$opt" "$opt.edgecapture-old"; fi
  mv "$staging" "$opt"
  rm -rf "$opt.edgecapture-old"
}

enable_units() {
  local wants unit
  wants="$(target /etc/systemd/system/multi-user.target.wants)"
  directory "$wants" 0755
  for unit in "$@"; do
    # What "systemctl enable" creates for WantedBy=multi-user.target: an absolute link into /etc/systemd/system.
    ln -sfn "/etc/systemd/system/$unit" "$wants/$unit"
  done
}

reload_running_system() {
  if [ "$root" = / ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    udevadm control --reload || true
    log "systemd and udev reloaded; reboot to switch the OTG port to device mode"
  fi
}

do_install() {
  [ -n "$publish" ] || fail "--publish DIR is required (the output of: dotnet cake --target=Publish)"
  [ -x "$publish/edgecapture" ] || fail "$publish/edgecapture is missing or not executable: not a publish directory"
  [ -r "$pinout" ] || fail "pinout $pinout is not readable"
  if [ -z "$firmware_version" ]; then
    firmware_version="$(content_version)"
  fi
  [[ "$firmware_version" =~ ^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$ ]] ||
    fail "--firmware-version must be 1 to 64 of A-Z a-z 0-9 . _ + - (starting with a letter or digit), not '$firmware_version'"
  boot_config >/dev/null
  if ! grep -qs '^VERSION_CODENAME=bookworm$' "$root/etc/os-release"; then
    log "warning: $root/etc/os-release does not say bookworm; installing anyway"
  fi

  install_accounts
  install_boot

  put "$FIRMWARE/boot/modules-load.conf" "$(target /etc/modules-load.d/edgecapture.conf)" 0644
  put "$FIRMWARE/udev/70-edgecapture.rules" "$(target /etc/udev/rules.d/70-edgecapture.rules)" 0644

  install_published

  local units=(edgecapture-gadget.service edgecapture.service)
  put "$FIRMWARE/systemd/edgecapture-gadget.service" "$(target /etc/systemd/system/edgecapture-gadget.service)" 0644
  put "$FIRMWARE/systemd/edgecapture.service" "$(target /etc/systemd/system/edgecapture.service)" 0644
  if [ "$capture" = bridge ]; then
    put "$FIRMWARE/capture/edgecapture-capture-setup.service" "$(target /etc/systemd/system/edgecapture-capture-setup.service)" 0644
    directory "$(target /usr/lib/edgecapture)" 0755
    directory "$(target /usr/lib/edgecapture/capture)" 0755
    directory "$(target /usr/lib/edgecapture/edid)" 0755
    put "$FIRMWARE/capture/edgecapture-capture-setup.sh" "$(target /usr/lib/edgecapture/capture/edgecapture-capture-setup.sh)" 0755
    local edid
    for edid in "$FIRMWARE"/edid/*.bin; do
      put "$edid" "$(target "/usr/lib/edgecapture/edid/$(basename "$edid")")" 0644
    done
    keep "$FIRMWARE/capture/edgecapture-capture.default" "$(target /etc/default/edgecapture-capture)" 0644 root:root
    units+=(edgecapture-capture-setup.service)
  else
    rm -f "$(target /etc/systemd/system/edgecapture-capture-setup.service)" \
      "$(target /etc/systemd/system/multi-user.target.wants/edgecapture-capture-setup.service)"
    rm -rf "$(target /usr/lib/edgecapture)"
  fi
  enable_units "${units[@]}"

  # /etc/edgecapture: the service reads it (group), only root writes it. The pinout says where the privacy switch
  # is wired: root-owned and not writable by the service, or the appliance refuses to start ("The switch wins").
  directory "$(target /etc/edgecapture)" 0750 "root:$SERVICE_USER"
  keep "$FIRMWARE/appliance.example.json" "$(target /etc/edgecapture/appliance.json)" 0640 "root:$SERVICE_USER"
  keep "$pinout" "$(target /etc/edgecapture/pinout.json)" 0644 root:root
  keep "$FIRMWARE/gadget/gadget.env" "$(target /etc/edgecapture/gadget.env)" 0644 root:root
  # The image's version, as the box reports it in its fleet birth (not configuration: every install rewrites it).
  put_text "$firmware_version" "$(target /etc/edgecapture/firmware-version)" 0644

  reload_running_system
  log "installed into $root (capture: $capture). Put the custodian's age1... recipient into /etc/edgecapture/appliance.json."
}

do_uninstall() {
  local config unit
  config="$(boot_config)"
  remove_boot_block "$config"
  if [ -f "$(dirname "$config")/config-capture.txt" ] && cmp -s "$FIRMWARE/boot/config-capture.txt" "$(dirname "$config")/config-capture.txt"; then
    rm -f "$(dirname "$config")/config-capture.txt"
  fi
  for unit in "${UNITS[@]}"; do
    rm -f "$(target "/etc/systemd/system/multi-user.target.wants/$unit")" "$(target "/etc/systemd/system/$unit")"
  done
  rm -f "$(target /etc/modules-load.d/edgecapture.conf)" "$(target /etc/udev/rules.d/70-edgecapture.rules)"
  rm -rf "$(target /opt/edgecapture)" "$(target /usr/lib/edgecapture)"
  # The version names the installed image, not a setting: it goes with the image.
  rm -f "$(target /etc/edgecapture/firmware-version)"

  if [ "$purge" -eq 1 ]; then
    rm -rf "$(target /etc/edgecapture)"
    rm -f "$(target /etc/default/edgecapture-capture)"
    if has_entry passwd "$SERVICE_USER"; then
      account_tool userdel "$SERVICE_USER"
    fi
    if has_entry group "$SERVICE_USER"; then
      account_tool groupdel "$SERVICE_USER"
    fi
    log "purged the configuration and the $SERVICE_USER user"
  else
    log "kept /etc/edgecapture, /etc/default/edgecapture-capture and the $SERVICE_USER user (--purge removes them)"
  fi
  if [ -d "$(target /var/lib/edgecapture)" ]; then
    log "kept /var/lib/edgecapture: it may hold sealed segments the collector has not confirmed; remove it by hand once it is empty"
  fi
  reload_running_system
  log "uninstalled from $root"
}

case "$command" in
  install) do_install ;;
  uninstall) do_uninstall ;;
esac
