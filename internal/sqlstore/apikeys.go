package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/redgrid/redgrid"
)

// APIKey is an Open311 client's key: only its hash is kept. It acts as a redgrid account.
type APIKey struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	UserID   int64  `json:"user_id"`
	Username string `json:"username"`
	// ServiceAccount: the account is the key's own (open311-NAME, made for it and disabled for
	// login by design). Otherwise it is a real account, and the key works while it is enabled.
	ServiceAccount bool `json:"service_account"`
	// UserDisabled: the account is disabled (for a real account: the key is refused).
	UserDisabled bool       `json:"user_disabled"`
	CreatedAt    time.Time  `json:"created_at"`
	RevokedAt    *time.Time `json:"revoked_at"`
	LastUsedAt   *time.Time `json:"last_used_at"`
}

var apiKeyNameRe = regexp.MustCompile(`^[a-z][a-z0-9_-]{1,23}$`)

// CreateAPIKey records a key (its SHA-256 hex) under a name. The key acts as the account
// username when given (it must exist), else as a service account "open311-NAME" made for it,
// disabled for login and without roles. Errors: KindInvalid (name), KindConflict (name taken),
// KindNotFound (username).
func (s *Store) CreateAPIKey(ctx context.Context, name, keyHash, username string) (APIKey, error) {
	if !apiKeyNameRe.MatchString(name) {
		return APIKey{}, redgrid.Invalid("name", "pattern", "a key's name is 2-24 characters: a lowercase letter, then lowercase letters, digits, '_' or '-'")
	}
	now := s.now().UTC()
	var k APIKey
	err := s.write(ctx, func(t *tx) error {
		var userID int64
		service := username == ""
		if username != "" {
			err := t.queryRow("SELECT id FROM users WHERE username = ?", username).Scan(&userID)
			if errors.Is(err, sql.ErrNoRows) {
				return redgrid.Errorf(redgrid.KindNotFound, "no user %s", username)
			}
			if err != nil {
				return err
			}
		} else {
			username = "open311-" + name
			err := t.queryRow(`INSERT INTO users (username, display_name, password_hash, disabled, pinyin, initials, created_at, updated_at)
				VALUES (?, ?, ?, ?, '', '', ?, ?) RETURNING id`, username, "Open311 "+name, "!", true, now, now).Scan(&userID)
			if isUnique(err) {
				return redgrid.Errorf(redgrid.KindConflict, "user %s exists already; name it with --user or choose another key name", username)
			}
			if err != nil {
				return err
			}
			if err := t.audit("user.create", "user:"+strconv.FormatInt(userID, 10), map[string]any{"username": username, "service_account": "open311"}); err != nil {
				return err
			}
		}
		err := t.queryRow("INSERT INTO api_keys (name, key_hash, user_id, service_account, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			name, keyHash, userID, service, now).Scan(&k.ID)
		if isUnique(err) {
			return redgrid.Errorf(redgrid.KindConflict, "an API key named %s exists already", name)
		}
		if err != nil {
			return err
		}
		k.Name, k.UserID, k.Username, k.ServiceAccount, k.CreatedAt = name, userID, username, service, now
		return t.audit("apikey.add", "apikey:"+name, map[string]any{"user": username})
	})
	return k, err
}

const apiKeyCols = "k.id, k.name, k.user_id, u.username, k.service_account, u.disabled, k.created_at, k.revoked_at, k.last_used_at"

func scanAPIKey(r scanner) (APIKey, error) {
	var k APIKey
	var created timeCol
	var revoked, used any
	if err := r.Scan(&k.ID, &k.Name, &k.UserID, &k.Username, &k.ServiceAccount, &k.UserDisabled, &created, &revoked, &used); err != nil {
		return k, err
	}
	k.CreatedAt = created.t
	var err error
	if k.RevokedAt, err = optTime(revoked); err == nil {
		k.LastUsedAt, err = optTime(used)
	}
	return k, err
}

// APIKeys lists every key, revoked ones too, by name.
func (s *Store) APIKeys(ctx context.Context) ([]APIKey, error) {
	rows, err := s.query(ctx, "SELECT "+apiKeyCols+" FROM api_keys k JOIN users u ON u.id = k.user_id ORDER BY k.name")
	if err != nil {
		return nil, fmt.Errorf("api keys: %w", err)
	}
	defer rows.Close()
	out := []APIKey{}
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("api keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeAPIKey ends a key; KindNotFound when there is no such key in use.
func (s *Store) RevokeAPIKey(ctx context.Context, name string) error {
	return s.write(ctx, func(t *tx) error {
		res, err := t.exec("UPDATE api_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", s.now().UTC(), name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return redgrid.Errorf(redgrid.KindNotFound, "no API key %s in use", name)
		}
		return t.audit("apikey.revoke", "apikey:"+name, nil)
	})
}

// APIKeyByHash returns the key in use with this hash; KindForbidden when there is none (unknown
// or revoked alike) and when it acts as a real account (not its own service account) that is
// disabled.
func (s *Store) APIKeyByHash(ctx context.Context, hash string) (APIKey, error) {
	k, err := scanAPIKey(s.queryRow(ctx, "SELECT "+apiKeyCols+" FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ? AND k.revoked_at IS NULL", hash))
	if errors.Is(err, sql.ErrNoRows) || err == nil && k.UserDisabled && !k.ServiceAccount {
		return APIKey{}, redgrid.Errorf(redgrid.KindForbidden, "api_key is not valid")
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("api key: %w", err)
	}
	return k, nil
}

// TouchAPIKey records that a key was used, at most once a minute per key.
func (s *Store) TouchAPIKey(ctx context.Context, k APIKey) error {
	now := s.now().UTC()
	if k.LastUsedAt != nil && now.Sub(*k.LastUsedAt) < time.Minute {
		return nil
	}
	_, err := s.exec(ctx, "UPDATE api_keys SET last_used_at = ? WHERE id = ?", now, k.ID)
	return err
}
