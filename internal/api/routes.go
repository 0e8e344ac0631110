package api

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/redgrid/redgrid/internal/open311"
)

// route is one entry of the route table; the OpenAPI test walks this table.
type route struct {
	Method  string
	Pattern string
	handler http.Handler
}

// routes lists every route of the API, in one place.
func (s *Server) routes() []route {
	return []route{
		{"GET", "/healthz", s.handle(s.healthz)},
		{"GET", "/readyz", s.handle(s.readyz)},
		{"GET", "/metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})},
		{"GET", "/api/openapi.json", s.handle(s.openapi)},

		{"POST", "/api/v1/auth/login", s.handle(s.login)},
		{"POST", "/api/v1/auth/logout", s.authed(s.logout)},
		{"GET", "/api/v1/me", s.authed(s.getMe)},

		{"GET", "/api/v1/nodes", s.authed(s.listNodes)},
		{"POST", "/api/v1/nodes", s.authed(s.createNode)},
		{"GET", "/api/v1/nodes/{id}", s.authed(s.getNode)},
		{"PATCH", "/api/v1/nodes/{id}", s.authed(s.patchNode)},
		{"GET", "/api/v1/nodes/{id}/tree", s.authed(s.getNodeTree)},
		{"GET", "/api/v1/nodes/{id}/history", s.authed(s.getNodeHistory)},

		{"GET", "/api/v1/party-orgs", s.authed(s.listPartyOrgs)},
		{"POST", "/api/v1/party-orgs", s.authed(s.createPartyOrg)},
		{"GET", "/api/v1/party-orgs/{id}", s.authed(s.getPartyOrg)},
		{"PATCH", "/api/v1/party-orgs/{id}", s.authed(s.patchPartyOrg)},
		{"GET", "/api/v1/party-orgs/{id}/history", s.authed(s.getPartyHistory)},

		{"GET", "/api/v1/orgs", s.authed(s.listOrgs)},
		{"POST", "/api/v1/orgs", s.authed(s.createOrg)},
		{"GET", "/api/v1/orgs/{id}", s.authed(s.getOrg)},
		{"PATCH", "/api/v1/orgs/{id}", s.authed(s.patchOrg)},

		{"GET", "/api/v1/users", s.authed(s.listUsers)},
		{"POST", "/api/v1/users", s.authed(s.createUser)},
		{"GET", "/api/v1/users/{id}", s.authed(s.getUser)},
		{"PATCH", "/api/v1/users/{id}", s.authed(s.patchUser)},
		{"POST", "/api/v1/users/{id}/roles", s.authed(s.addRole)},
		{"DELETE", "/api/v1/users/{id}/roles/{grant_id}", s.authed(s.removeRole)},

		{"GET", "/api/v1/audit", s.authed(s.getAudit)},
		{"GET", "/api/v1/unmaskings", s.authed(s.listUnmaskings)},

		{"GET", "/api/v1/locate", s.authed(s.locate)},
		{"POST", "/api/v1/grids/import", s.authed(s.importGrids)},
		{"GET", "/api/v1/grids.geojson", s.authed(s.exportGrids)},
		{"GET", "/api/v1/coverage", s.authed(s.coverage)},
		{"PUT", "/api/v1/nodes/{id}/place", s.authed(s.putNodePlace)},
		{"PUT", "/api/v1/orgs/{id}/place", s.authed(s.putOrgPlace)},
		{"GET", "/api/v1/nodes/{id}/qr.svg", s.authed(s.gridQR)},
		{"GET", "/api/v1/nodes/{id}/qr-sheet", s.authed(s.qrSheet)},
		{"GET", "/api/v1/public/grids/{code}", s.handle(s.publicGrid)},
		{"GET", "/api/v1/ui-config", s.handle(s.uiConfig)},

		{"GET", "/api/v1/case-categories", s.authed(s.listCategories)},
		{"PUT", "/api/v1/case-categories", s.authed(s.putCategories)},
		{"GET", "/api/v1/cases", s.authed(s.listCases)},
		{"POST", "/api/v1/cases", s.authed(s.createCase)},
		{"GET", "/api/v1/cases/{id}", s.authed(s.getCase)},
		{"POST", "/api/v1/cases/{id}/actions", s.authed(s.actOnCase)},
		{"POST", "/api/v1/cases/{id}/reporter:unmask", s.authed(s.unmaskReporter)},
		{"GET", "/api/v1/cases/{id}/duplicates", s.authed(s.caseDuplicates)},
		{"GET", "/api/v1/stats/cases", s.authed(s.caseStats)},
		{"GET", "/api/v1/notifications", s.authed(s.listNotifications)},
		{"GET", "/api/v1/agenda", s.authed(s.listAgenda)},
		{"GET", "/api/v1/meetings", s.authed(s.listMeetings)},
		{"POST", "/api/v1/meetings", s.authed(s.createMeeting)},
		{"GET", "/api/v1/meetings/{id}", s.authed(s.getMeeting)},

		{"GET", "/api/v1/households", s.authed(s.listHouseholds)},
		{"POST", "/api/v1/households", s.authed(s.createHousehold)},
		{"GET", "/api/v1/households/{id}", s.authed(s.getHousehold)},
		{"PATCH", "/api/v1/households/{id}", s.authed(s.patchHousehold)},
		{"GET", "/api/v1/buildings/{id}/chart", s.authed(s.getBuildingChart)},
		{"PUT", "/api/v1/buildings/{id}/layout", s.authed(s.putBuildingLayout)},
		{"GET", "/api/v1/residents", s.authed(s.listResidents)},
		{"POST", "/api/v1/residents", s.authed(s.createResident)},
		{"GET", "/api/v1/residents/{id}", s.authed(s.getResident)},
		{"PATCH", "/api/v1/residents/{id}", s.authed(s.patchResident)},
		{"DELETE", "/api/v1/residents/{id}", s.authed(s.leaveResident)},
		{"POST", "/api/v1/residents/{id}/unmask", s.authed(s.unmaskResident)},
		{"GET", "/api/v1/grid-staff", s.authed(s.listGridStaff)},
		{"POST", "/api/v1/grid-staff", s.authed(s.addGridStaff)},
		{"DELETE", "/api/v1/grid-staff/{id}", s.authed(s.endGridStaff)},
		{"GET", "/api/v1/grid-staff/gaps", s.authed(s.staffingGaps)},
		{"GET", "/api/v1/volunteers", s.authed(s.listVolunteers)},
		{"POST", "/api/v1/volunteers", s.authed(s.registerVolunteer)},
		{"GET", "/api/v1/volunteers/{id}", s.authed(s.getVolunteer)},
		{"DELETE", "/api/v1/volunteers/{id}", s.authed(s.deregisterVolunteer)},
		{"POST", "/api/v1/volunteers/{id}/records", s.authed(s.addServiceRecord)},
		{"GET", "/api/v1/cobuild/agreements", s.authed(s.listAgreements)},
		{"POST", "/api/v1/cobuild/agreements", s.authed(s.recordAgreement)},
		{"GET", "/api/v1/cobuild/agreements/due", s.authed(s.dueAgreements)},
		{"POST", "/api/v1/cobuild/agreements/{id}/renew", s.authed(s.renewAgreement)},
		{"GET", "/api/v1/cobuild/gaps", s.authed(s.linkGaps)},
		{"GET", "/api/v1/communities/{id}/links", s.authed(s.getLinks)},
		{"PUT", "/api/v1/communities/{id}/links", s.authed(s.putLinks)},
		{"GET", "/api/v1/red-property", s.authed(s.redProperty)},
		{"PUT", "/api/v1/orgs/{id}/branch", s.authed(s.putOrgBranch)},
		{"POST", "/api/v1/orgs/{id}/members", s.authed(s.addOrgMember)},
		{"DELETE", "/api/v1/org-members/{id}", s.authed(s.endOrgMember)},
		{"GET", "/api/v1/members", s.authed(s.listMembers)},
		{"POST", "/api/v1/members", s.authed(s.createMember)},
		{"GET", "/api/v1/members/{id}", s.authed(s.getMember)},
		{"POST", "/api/v1/members/{id}/registration", s.authed(s.requestRegistration)},
		{"POST", "/api/v1/members/{id}/leave", s.authed(s.leaveMember)},
		{"GET", "/api/v1/members/{id}/certificate.svg", s.authed(s.certificateQR)},
		{"PUT", "/api/v1/members/{id}/roster", s.authed(s.putRoster)},
		{"POST", "/api/v1/registrations/{id}/confirm", s.authed(s.confirmRegistration)},
		{"GET", "/api/v1/registrations/overdue", s.authed(s.overdueRegistrations)},
		{"GET", "/api/v1/roster/gaps", s.authed(s.rosterGaps)},
		{"GET", "/api/v1/public/certificates/{token}", s.handle(s.publicCertificate)},
		{"GET", "/api/v1/post-kinds", s.authed(s.listPostKinds)},
		{"GET", "/api/v1/members/{id}/posts", s.authed(s.listMemberPosts)},
		{"POST", "/api/v1/members/{id}/posts", s.authed(s.addMemberPost)},
		{"GET", "/api/v1/posts", s.authed(s.listPosts)},
		{"GET", "/api/v1/posts/gaps", s.authed(s.postGaps)},
		{"GET", "/api/v1/posts/{id}", s.authed(s.getPost)},
		{"PATCH", "/api/v1/posts/{id}", s.authed(s.patchPost)},
		{"DELETE", "/api/v1/posts/{id}", s.authed(s.endPost)},
		{"GET", "/api/v1/baobao", s.authed(s.listBaobao)},
		{"POST", "/api/v1/baobao", s.authed(s.assignBaobao)},
		{"DELETE", "/api/v1/baobao/{id}", s.authed(s.endBaobao)},
		{"GET", "/api/v1/baobao/gaps", s.authed(s.baobaoGaps)},
		{"GET", "/api/v1/registers", s.authed(s.listRegisters)},
		{"GET", "/api/v1/registers/{register}/template", s.authed(s.getRegisterTemplate)},
		{"GET", "/api/v1/registers/{register}/export", s.authed(s.exportRegister)},
		{"POST", "/api/v1/registers/{register}/import", s.authed(s.importRegister)},
		{"POST", "/api/v1/photos", s.authed(s.uploadPhoto)},
		{"GET", "/api/v1/photos/{id}", s.authed(s.getPhoto(false))},
		{"GET", "/api/v1/photos/{id}/thumb", s.authed(s.getPhoto(true))},
		{"POST", "/api/v1/public/photos", s.handle(s.publicUploadPhoto)},
		{"GET", "/api/v1/public/cases/{token}/photos/{id}", s.handle(s.publicCasePhoto(false))},
		{"GET", "/api/v1/public/cases/{token}/photos/{id}/thumb", s.handle(s.publicCasePhoto(true))},
		{"GET", "/api/v1/public/case-categories", s.handle(s.publicCategories)},
		{"POST", "/api/v1/public/cases", s.handle(s.publicCreateCase)},
		{"GET", "/api/v1/public/cases/{token}", s.handle(s.publicGetCase)},
		{"POST", "/api/v1/public/cases/{token}/rating", s.handle(s.publicRateCase)},

		// Open311 GeoReport v2 with FixMyStreet's servicerequestupdates: errors in Open311's format.
		{"GET", "/open311/v2/discovery.json", s.o311(open311.JSON, s.o311Discovery)},
		{"GET", "/open311/v2/discovery.xml", s.o311(open311.XML, s.o311Discovery)},
		{"GET", "/open311/v2/services.json", s.o311(open311.JSON, s.o311Services)},
		{"GET", "/open311/v2/services.xml", s.o311(open311.XML, s.o311Services)},
		{"GET", "/open311/v2/services/{file}", s.o311File(s.o311Service)},
		{"GET", "/open311/v2/requests.json", s.o311(open311.JSON, s.o311GetRequests)},
		{"GET", "/open311/v2/requests.xml", s.o311(open311.XML, s.o311GetRequests)},
		{"POST", "/open311/v2/requests.json", s.o311(open311.JSON, s.o311PostRequest)},
		{"POST", "/open311/v2/requests.xml", s.o311(open311.XML, s.o311PostRequest)},
		{"GET", "/open311/v2/requests/{file}", s.o311File(s.o311GetRequest)},
		{"GET", "/open311/v2/tokens/{file}", s.o311File(s.o311Token)},
		{"GET", "/open311/v2/servicerequestupdates.json", s.o311(open311.JSON, s.o311GetUpdates)},
		{"GET", "/open311/v2/servicerequestupdates.xml", s.o311(open311.XML, s.o311GetUpdates)},
		{"POST", "/open311/v2/servicerequestupdates.json", s.o311(open311.JSON, s.o311PostUpdate)},
		{"POST", "/open311/v2/servicerequestupdates.xml", s.o311(open311.XML, s.o311PostUpdate)},
		{"", "/open311/", http.HandlerFunc(s.o311NotFound)},

		// Anything else under /api is a 404 problem, not the UI's index page.
		{"", "/api/", s.handle(s.notFound)},
	}
}
