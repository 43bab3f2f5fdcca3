package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"localsigner/hiveauth"
)

// SettingsFile is the name of the settings file in the data directory.
const SettingsFile = "settings.json"

// Networks the app can sign for, in the order the first run offers them.
const (
	NetworkHive      = "hive"
	NetworkPeerplays = "peerplays"
	NetworkDevnet    = "devnet"
)

// Themes for Settings.Theme.
const (
	ThemeSystem = ""
	ThemeLight  = "light"
	ThemeDark   = "dark"
)

// DefaultAutoLockMinutes is how long the vault stays unlocked without use
// unless the user chooses otherwise.
const DefaultAutoLockMinutes = 15

// Settings are the user's preferences, kept as JSON in SettingsFile. They
// hold nothing secret. Changes to Network, Nodes and Listen take effect at
// the next start, since the dapp server and node client are built from them.
type Settings struct {
	// Network is the chain keys are imported for and dapps are granted
	// on: NetworkHive, NetworkPeerplays or NetworkDevnet. Empty until the
	// first run picks one.
	Network string `json:"network,omitempty"`
	// Nodes are the node URLs per network, tried in order; a network
	// missing here uses DefaultNodes.
	Nodes map[string][]string `json:"nodes,omitempty"`
	// Listen is the dapp server's loopback address; empty means the
	// default (127.0.0.1:7777).
	Listen string `json:"listen,omitempty"`
	// AutoLockMinutes locks the vault after this many minutes without use;
	// 0 never locks on its own.
	AutoLockMinutes int `json:"auto_lock_minutes"`
	// Theme is ThemeSystem, ThemeLight or ThemeDark.
	Theme string `json:"theme,omitempty"`
	// AuditKeep and AuditMaxAgeDays bound the audit log (the newest
	// events kept, and the oldest age kept); zero takes the defaults
	// (10,000 events, any age). NoAuditArchive prunes without appending
	// the events to audit-archive.jsonl first. Edited in settings.json.
	AuditKeep       int  `json:"audit_keep,omitempty"`
	AuditMaxAgeDays int  `json:"audit_max_age_days,omitempty"`
	NoAuditArchive  bool `json:"no_audit_archive,omitempty"`
	// HiveAuth turns the HiveAuth PKSA on: Localsigner then connects to
	// HiveAuthRelay (empty: the public relay) and answers the sign-ins and
	// requests of dapps the user approved there. Off by default.
	HiveAuth      bool   `json:"hiveauth,omitempty"`
	HiveAuthRelay string `json:"hiveauth_relay,omitempty"`
}

// DefaultSettings are the settings before the user changes anything.
func DefaultSettings() Settings {
	return Settings{AutoLockMinutes: DefaultAutoLockMinutes}
}

// DefaultNodes lists public nodes for a network, in the order tried.
func DefaultNodes(network string) []string {
	switch network {
	case NetworkHive:
		return []string{"https://api.hive.blog", "https://api.deathwing.me", "https://api.openhive.network"}
	case NetworkPeerplays:
		return []string{"wss://ca.peerplays.info/api", "wss://de.peerplays.xyz/", "wss://pl.peerplays.org/"}
	case NetworkDevnet:
		return []string{"ws://127.0.0.1:8090"}
	}
	return nil
}

// NodesFor returns the node URLs to use for network: the user's list, else
// DefaultNodes.
func (s Settings) NodesFor(network string) []string {
	if n := s.Nodes[network]; len(n) > 0 {
		return slices.Clone(n)
	}
	return DefaultNodes(network)
}

// Validate checks the fields a person can get wrong.
func (s Settings) Validate() error {
	switch s.Network {
	case "", NetworkHive, NetworkPeerplays, NetworkDevnet:
	default:
		return fmt.Errorf("unknown network %q", s.Network)
	}
	if s.AutoLockMinutes < 0 || s.AutoLockMinutes > 24*60 {
		return errors.New("auto-lock must be between 0 (never) and 1440 minutes")
	}
	switch s.Theme {
	case ThemeSystem, ThemeLight, ThemeDark:
	default:
		return fmt.Errorf("unknown theme %q", s.Theme)
	}
	if s.Listen != "" {
		if err := CheckListen(s.Listen); err != nil {
			return err
		}
	}
	if s.HiveAuthRelay != "" {
		if _, err := hiveauth.NormalizeRelay(s.HiveAuthRelay); err != nil {
			return fmt.Errorf("HiveAuth relay: %w", err)
		}
	}
	return nil
}

// CheckListen checks a dapp server address: a loopback host and a port.
func CheckListen(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: want 127.0.0.1:PORT", addr)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return fmt.Errorf("address %q: the port must be 1 to 65535", addr)
	}
	switch host {
	case "127.0.0.1", "::1", "localhost":
		return nil
	}
	return fmt.Errorf("address %q: only this computer (127.0.0.1) may be used", addr)
}

// LoadSettings reads the settings in dataDir. A missing file gives
// DefaultSettings and no error; an unreadable or invalid one gives
// DefaultSettings and the error, so the app can start and say so.
func LoadSettings(dataDir string) (Settings, error) {
	s := DefaultSettings()
	b, err := os.ReadFile(filepath.Join(dataDir, SettingsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return DefaultSettings(), fmt.Errorf("read settings: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return DefaultSettings(), fmt.Errorf("settings file %s: %w", filepath.Join(dataDir, SettingsFile), err)
	}
	if err := s.Validate(); err != nil {
		return DefaultSettings(), fmt.Errorf("settings file %s: %w", filepath.Join(dataDir, SettingsFile), err)
	}
	return s, nil
}

// SaveSettings writes s to dataDir atomically: a temporary file, readable
// by the owner only (0600), synced and renamed over the old one, so a crash
// leaves the old or the new settings, never half of them.
func SaveSettings(dataDir string, s Settings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	f, err := os.CreateTemp(dataDir, ".settings-*.tmp")
	if err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename there is nothing to remove
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("save settings: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("save settings: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("save settings: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dataDir, SettingsFile)); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	if d, err := os.Open(dataDir); err == nil {
		d.Sync() // make the rename durable; not every OS supports it
		d.Close()
	}
	return nil
}
