package redgridtest

import (
	"context"
	"testing"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// Tree is a small district for tests:
//
//	District 茅箭区 (420302)
//	├─ Street1 武当路街道 ── Community1 五堰社区 ── Grid1 (Building1), Grid2
//	│                    └─ Community2 柳林社区 ── Grid3
//	└─ Street2 二堰街道 ── Community3 东岳社区
//
// with the matching party tree, a department (城管局) serving Street1 and a property company
// homed in Community1.
type Tree struct {
	District, Street1, Street2, Community1, Community2, Community3, Grid1, Grid2, Grid3, Building1 redgrid.Node
	DistrictCommittee, Street1Committee, Community1Committee, Community2Committee, Grid1Branch     redgrid.PartyOrg
	Department, Property                                                                           redgrid.Org
}

// BuildTree creates the test district in s.
func BuildTree(t testing.TB, s *sqlstore.Store) *Tree {
	t.Helper()
	ctx := context.Background()
	var tr Tree
	node := func(kind redgrid.NodeKind, name string, parent *redgrid.Node, code string) redgrid.Node {
		t.Helper()
		in := redgrid.NewNode{Kind: kind, Name: name, Code: code, ValidFrom: "2020-01-01"}
		if parent != nil {
			in.ParentID = &parent.ID
		}
		n, _, err := s.CreateNode(ctx, in)
		if err != nil {
			t.Fatalf("create %s %s: %v", kind, name, err)
		}
		return n
	}
	tr.District = node(redgrid.KindDistrict, "茅箭区", nil, "420302")
	tr.Street1 = node(redgrid.KindStreet, "武当路街道", &tr.District, "")
	tr.Street2 = node(redgrid.KindStreet, "二堰街道", &tr.District, "")
	tr.Community1 = node(redgrid.KindCommunity, "五堰社区", &tr.Street1, "")
	tr.Community2 = node(redgrid.KindCommunity, "柳林社区", &tr.Street1, "")
	tr.Community3 = node(redgrid.KindCommunity, "东岳社区", &tr.Street2, "")
	tr.Grid1 = node(redgrid.KindGrid, "五堰第一网格", &tr.Community1, "")
	tr.Grid2 = node(redgrid.KindGrid, "五堰第二网格", &tr.Community1, "")
	tr.Grid3 = node(redgrid.KindGrid, "柳林第一网格", &tr.Community2, "")
	tr.Building1 = node(redgrid.KindBuilding, "1号楼", &tr.Grid1, "")

	party := func(kind redgrid.PartyKind, name string, parent *redgrid.PartyOrg, n redgrid.Node) redgrid.PartyOrg {
		t.Helper()
		in := redgrid.NewPartyOrg{Kind: kind, Name: name, NodeID: n.ID, ValidFrom: "2020-01-01"}
		if parent != nil {
			in.ParentID = &parent.ID
		}
		p, _, err := s.CreatePartyOrg(ctx, in)
		if err != nil {
			t.Fatalf("create party org %s: %v", name, err)
		}
		return p
	}
	tr.DistrictCommittee = party(redgrid.PartyDistrictCommittee, "中共茅箭区委", nil, tr.District)
	tr.Street1Committee = party(redgrid.PartyStreetCommittee, "武当路街道党工委", &tr.DistrictCommittee, tr.Street1)
	tr.Community1Committee = party(redgrid.PartyCommunityCommittee, "五堰社区党委", &tr.Street1Committee, tr.Community1)
	tr.Community2Committee = party(redgrid.PartyCommunityCommittee, "柳林社区党委", &tr.Street1Committee, tr.Community2)
	tr.Grid1Branch = party(redgrid.PartyBranch, "五堰第一网格党支部", &tr.Community1Committee, tr.Grid1)

	var err error
	tr.Department, _, err = s.CreateOrg(ctx, redgrid.NewOrg{Kind: redgrid.OrgDepartment, Name: "城管局", HomeNodeID: tr.District.ID, NodeIDs: []int64{tr.Street1.ID}})
	if err != nil {
		t.Fatalf("create department: %v", err)
	}
	tr.Property, _, err = s.CreateOrg(ctx, redgrid.NewOrg{Kind: redgrid.OrgPropertyCompany, Name: "五堰物业", HomeNodeID: tr.Community1.ID, NodeIDs: []int64{tr.Grid1.ID}})
	if err != nil {
		t.Fatalf("create property company: %v", err)
	}
	return &tr
}

// AddUser creates an account holding one role at a node (or in a department for department_staff).
// The password hash is opaque to the store; tests that log in pass a real hash.
func AddUser(t testing.TB, s *sqlstore.Store, username, hash string, role redgrid.Role, nodeID, orgID int64) redgrid.User {
	t.Helper()
	g := redgrid.NewGrant{Role: role}
	if orgID != 0 {
		g.OrgID = &orgID
	} else {
		g.NodeID = &nodeID
	}
	u, _, err := s.CreateUser(context.Background(), redgrid.NewUser{Username: username, DisplayName: username, Password: "unused-password", Roles: []redgrid.NewGrant{g}}, hash)
	if err != nil {
		t.Fatalf("create user %s: %v", username, err)
	}
	return u
}
