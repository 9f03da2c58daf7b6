package store

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Scanner is the one extra call Check needs. Scan never serves a request:
// Check is for tests and operators (usher check), not for the API.
type Scanner interface {
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// Check reads the whole table and returns every broken invariant: counters
// that differ from the items they count, listing copies that differ from
// their user, guards without owners, tokens without metadata (and the
// reverse), memberships with one side only, counts on workspaces and users
// that differ from their memberships, audit events with missing copies.
func (s *Store) Check(ctx context.Context, scan Scanner) ([]string, error) {
	var all []map[string]types.AttributeValue
	in := &dynamodb.ScanInput{TableName: &s.table, ConsistentRead: awsTrue()}
	for {
		out, err := scan.Scan(ctx, in)
		if err != nil {
			return nil, err
		}
		all = append(all, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	var bad []string
	report := func(format string, a ...any) { bad = append(bad, fmt.Sprintf(format, a...)) }
	get := func(item map[string]types.AttributeValue, k string) string {
		v, _ := item[k].(*types.AttributeValueMemberS)
		if v == nil {
			return ""
		}
		return v.Value
	}
	byKey := map[string]map[string]types.AttributeValue{}
	for _, it := range all {
		byKey[get(it, attrPK)+"|"+get(it, attrSK)] = it
	}
	has := func(pk, sk string) bool { _, ok := byKey[pk+"|"+sk]; return ok }
	item := func(pk, sk string) map[string]types.AttributeValue { return byKey[pk+"|"+sk] }

	counts := map[string]int64{}
	var superAdmins int64
	wsMembers, wsOwners := map[string]int64{}, map[string]int64{}
	userMems := map[string]int64{}
	userKeys := map[string]int64{}
	userSessions := map[string]int64{}
	sweeping := map[string]bool{}
	for _, it := range all {
		// A workspace deleted in one transaction leaves no membership: its
		// marker (grantsOnly) excuses none.
		if _, grantsOnly := it[sweepGrantsOnly]; get(it, attrPK) == pkSweep && !grantsOnly {
			sweeping[strings.TrimPrefix(get(it, attrSK), "WS#")] = true
		}
	}
	for _, it := range all {
		pk, sk := get(it, attrPK), get(it, attrSK)
		switch {
		case strings.HasPrefix(pk, "USER#") && sk == skUser:
			var u userItem
			_ = attributevalue.UnmarshalMap(it, &u)
			counts[userCounter(u.Role, u.Status)]++
			if u.isActiveSuper() {
				superAdmins++
			}
			for _, c := range u.copies()[1:] {
				cp := item(c.PK, c.SK)
				if cp == nil || get(cp, attrLP) != c.LP || get(cp, "email") != u.Email || get(cp, "name") != u.Name {
					report("user %s: listing copy %s missing or stale", u.ID, c.SK)
				}
			}
			if g := item(emailPK(u.Email), skEmail); g == nil || get(g, "userId") != u.ID {
				report("user %s: no email guard for %s", u.ID, u.Email)
			}
			want := u.searchItems()
			for skw := range want {
				if !has(pk, skw) {
					report("user %s: search entry %s missing", u.ID, skw)
				}
			}
		case strings.HasPrefix(pk, "USER#") && strings.HasPrefix(sk, skSearch):
			var u userItem
			if err := attributevalue.UnmarshalMap(item(pk, skUser), &u); err != nil || item(pk, skUser) == nil {
				report("%s %s: search entry of no user", pk, sk)
			} else if _, ok := u.searchItems()[sk]; !ok {
				report("%s %s: stale search entry", pk, sk)
			}
		case strings.HasPrefix(pk, "USER#") && (strings.HasPrefix(sk, "LIST#")):
			if !has(pk, skUser) {
				report("%s %s: listing copy of no user", pk, sk)
			}
		case strings.HasPrefix(pk, "USER#") && (strings.HasPrefix(sk, skAPIKey) || strings.HasPrefix(sk, skSession) || strings.HasPrefix(sk, skReset)):
			if !has(pk, skUser) {
				report("%s %s: metadata of no user", pk, sk)
			}
			if !has(tokenPK(get(it, "hash")), skToken) {
				report("%s %s: no token item for its hash", pk, sk)
			}
			if strings.HasPrefix(sk, skAPIKey) {
				userKeys[pk]++
				counts[counterAPIKeys]++
			}
			if strings.HasPrefix(sk, skSession) {
				userSessions[pk]++
			}
		case strings.HasPrefix(pk, "EMAIL#"):
			if u := item(userPK(get(it, "userId")), skUser); u == nil || emailPK(get(u, "email")) != pk {
				report("%s: guard of no user with that email", pk)
			}
		case strings.HasPrefix(pk, "TOKEN#"):
			var ti tokenItem
			_ = attributevalue.UnmarshalMap(it, &ti)
			hash := strings.TrimPrefix(pk, "TOKEN#")
			var ref map[string]types.AttributeValue
			switch ti.Kind {
			case KindAPIKey:
				ref = item(userPK(ti.UserID), skAPIKey+ti.TokenID)
			case KindSession:
				ref = item(userPK(ti.UserID), skSession+ti.TokenID)
			case KindReset:
				ref = item(userPK(ti.UserID), skReset+ti.TokenID)
			case KindAdminToken:
				ref = item(pkAdminTokens, ti.TokenID)
			case KindInvite:
				ref = item(invitePK(ti.TokenID), skInvite)
			}
			if ref == nil {
				report("token %s… (%s): no metadata", hash[:8], ti.Kind)
				continue
			}
			if ti.Kind != KindInvite && get(ref, "hash") != hash {
				report("token %s… (%s): metadata holds another hash", hash[:8], ti.Kind)
			}
			if ti.Kind == KindInvite && ti.Invite != nil {
				var iv invitationItem
				_ = attributevalue.UnmarshalMap(ref, &iv)
				if iv.TokenHash != hash {
					report("token %s… (invite): not the invitation's current link", hash[:8])
				} else if msg := staleCopy(*ti.Invite, iv); msg != "" {
					report("token %s… (invite): copy of invitation %s is stale: %s", hash[:8], iv.ID, msg)
				}
			}
			if ti.UserID != "" && ti.Kind != KindInvite {
				u := item(userPK(ti.UserID), skUser)
				if u == nil || get(u, "role") != ti.UserRole || get(u, "status") != ti.UserStatus {
					report("token %s… (%s): user role/status copy is stale", hash[:8], ti.Kind)
				}
			}
		case pk == pkAdminTokens:
			counts[counterAdminTokens]++
			if !has(tokenPK(get(it, "hash")), skToken) {
				report("admin token %s: no token item", sk)
			}
		case strings.HasPrefix(pk, "WS#") && sk == skWorkspace:
			counts[counterWorkspaces]++
		case strings.HasPrefix(pk, "WS#") && strings.HasPrefix(sk, skMember):
			ws := strings.TrimPrefix(pk, "WS#")
			uid := strings.TrimPrefix(sk, skMember)
			other := item(umemPK(uid), ws)
			if other == nil || get(other, "role") != get(it, "role") {
				report("membership %s/%s: the user's side is missing or differs", ws, uid)
			}
			if !has(pk, skWorkspace) && !sweeping[ws] {
				report("membership %s/%s: no workspace", ws, uid)
			}
			if !has(userPK(uid), skUser) {
				report("membership %s/%s: no user", ws, uid)
			}
			if has(pk, skWorkspace) {
				wsMembers[ws]++
				counts[counterMemberships]++
				if get(it, "role") == WorkspaceOwner {
					wsOwners[ws]++
				}
			}
		case strings.HasPrefix(pk, "UMEM#"):
			uid := strings.TrimPrefix(pk, "UMEM#")
			userMems[userPK(uid)]++
			if !has(wsPK(sk), memberSK(uid)) {
				report("membership %s/%s: the workspace's side is missing", sk, uid)
			}
		case strings.HasPrefix(pk, "INVITE#") && sk == skInvite:
			var iv invitationItem
			_ = attributevalue.UnmarshalMap(it, &iv)
			counts[inviteCounter(iv.Status)]++
			for _, c := range []struct{ sk, lp string }{{skListStatus, lpInvites + "#STATUS#" + iv.Status}, {skListEmail, lpInvites + "#EMAIL#" + iv.Email}} {
				if cp := item(pk, c.sk); cp == nil || get(cp, attrLP) != c.lp {
					report("invitation %s: listing copy %s missing or stale", iv.ID, c.sk)
				}
			}
			if iv.Status == InvitePending {
				if g := item(inviteGuardPK(iv.Email), skInviteGuard); g == nil || get(g, "invitationId") != iv.ID {
					report("invitation %s: pending without its address guard", iv.ID)
				}
				if !has(tokenPK(iv.TokenHash), skToken) {
					report("invitation %s: pending without its link token", iv.ID)
				}
			}
		case strings.HasPrefix(pk, "AUDIT#") && sk == "EVENT":
			for _, c := range []string{"ACTOR", "TARGET", "ACTION"} {
				if !has(pk, c) {
					report("audit event %s: copy %s missing", pk, c)
				}
			}
		}
	}
	// Counts kept on items.
	for _, it := range all {
		pk, sk := get(it, attrPK), get(it, attrSK)
		switch {
		case strings.HasPrefix(pk, "WS#") && sk == skWorkspace:
			var w workspaceItem
			_ = attributevalue.UnmarshalMap(it, &w)
			if w.MemberCount != wsMembers[w.ID] || w.OwnerCount != wsOwners[w.ID] {
				report("workspace %s: memberCount %d / ownerCount %d, but %d members / %d owners", w.ID, w.MemberCount, w.OwnerCount, wsMembers[w.ID], wsOwners[w.ID])
			}
			if w.OwnerCount < 1 {
				report("workspace %s: no owner", w.ID)
			}
		case strings.HasPrefix(pk, "USER#") && sk == skUser:
			var u userItem
			_ = attributevalue.UnmarshalMap(it, &u)
			if u.WsCount != userMems[pk] {
				report("user %s: wsCount %d, but %d memberships", u.ID, u.WsCount, userMems[pk])
			}
			if u.APIKeyCount != userKeys[pk] {
				report("user %s: apiKeyCount %d, but %d keys", u.ID, u.APIKeyCount, userKeys[pk])
			}
			// A login opens a session without reading the others when this
			// bound says it cannot reach MaxSessions (sessions.go).
			if n, b := userSessions[pk], sessionBound(u.TokenRev, numAttr(it, attrSessionCount), numAttr(it, attrSessionCountRev)); n > b {
				report("user %s: %d sessions, more than the %d its tokenRev and sessionCount allow", u.ID, n, b)
			}
		}
	}
	c, err := s.Counters(ctx)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for k := range c.values {
		names[k] = true
	}
	for k := range counts {
		names[k] = true
	}
	keys := make([]string, 0, len(names))
	for k := range names {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if c.values[k] != counts[k] {
			report("counter %s = %d, but the items count %d", k, c.values[k], counts[k])
		}
	}
	if c.SuperAdmins != superAdmins {
		report("active super_admins counter = %d, but %d exist", c.SuperAdmins, superAdmins)
	}
	return bad, nil
}

func awsTrue() *bool { t := true; return &t }

// staleCopy says how a link token's copy of an invitation differs from the
// invitation ("" when it does not). The copy may still list workspaces whose
// grant was withdrawn (their workspace was deleted), never miss one.
func staleCopy(c inviteCopy, iv invitationItem) string {
	want := iv.linkCopy()
	switch {
	case c.Status != want.Status:
		return "status " + c.Status + ", invitation " + want.Status
	case c.ExpiresAt != want.ExpiresAt:
		return "expiresAt"
	case c.Email != want.Email || c.Name != want.Name || c.Role != want.Role || c.CreatedAt != want.CreatedAt:
		return "email, name, role or createdAt"
	case c.InvitedByType != want.InvitedByType || c.InvitedByID != want.InvitedByID || c.DelegatedBy != want.DelegatedBy:
		return "inviter"
	}
	listed := map[Grant]bool{}
	for _, g := range c.Workspaces {
		listed[g] = true
	}
	for _, g := range want.Workspaces {
		if !listed[g] {
			return "workspace " + g.WorkspaceID + " missing"
		}
	}
	return ""
}
