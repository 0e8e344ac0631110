import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { ensureSession, session } from './session'
import { safeRedirect } from './redirect'

export { safeRedirect }

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true } },
  // what a grid's QR code opens: no login, for residents' phones
  {
    path: '/r/:code',
    name: 'public-grid',
    component: () => import('./views/PublicGridView.vue'),
    props: true,
    meta: { public: true },
  },
  // a resident follows and rates their report (the link the report form gave them): no login
  {
    path: '/r/case/:token',
    name: 'public-case',
    component: () => import('./views/PublicCaseView.vue'),
    props: true,
    meta: { public: true },
  },
  // what a report certificate's (报到证) QR code opens: no login
  {
    path: '/verify/:token',
    name: 'verify-certificate',
    component: () => import('./views/VerifyCertificateView.vue'),
    props: true,
    meta: { public: true },
  },
  // the grid worker's phone pages (login required)
  {
    path: '/m',
    component: () => import('./layouts/MobileLayout.vue'),
    children: [
      { path: '', name: 'mobile-home', component: () => import('./views/mobile/MobileHomeView.vue') },
      { path: 'report', name: 'mobile-report', component: () => import('./views/mobile/MobileReportView.vue') },
      { path: 'cases/:id', name: 'mobile-case', component: () => import('./views/mobile/MobileCaseView.vue'), props: true },
    ],
  },
  {
    path: '/',
    component: () => import('./layouts/MainLayout.vue'),
    children: [
      { path: '', name: 'workbench', component: () => import('./views/WorkbenchView.vue') },
      { path: 'nodes/:id', name: 'node', component: () => import('./views/NodeView.vue'), props: true },
      {
        path: 'party-orgs/:id',
        name: 'party-org',
        component: () => import('./views/PartyOrgView.vue'),
        props: true,
      },
      { path: 'cases/board', name: 'dispatch-board', component: () => import('./views/cases/DispatchBoardView.vue') },
      // 来电登记 / 敲门走访: staff enter a resident's report (issue 5 item 1)
      { path: 'cases/new', name: 'case-intake', component: () => import('./views/cases/IntakeView.vue') },
      // the agenda of a level's next joint meeting and the meetings held (issue 5 item 4)
      { path: 'cases/agenda', name: 'agenda', component: () => import('./views/cases/AgendaView.vue') },
      { path: 'cases/inbox', name: 'dept-inbox', component: () => import('./views/cases/InboxView.vue') },
      { path: 'cases/stats', name: 'case-stats', component: () => import('./views/cases/CaseStatsView.vue') },
      { path: 'cases/:id', name: 'case', component: () => import('./views/cases/CaseView.vue'), props: true },
      { path: 'map', name: 'map', component: () => import('./views/MapView.vue') },
      { path: 'map/import', name: 'map-import', component: () => import('./views/MapImportView.vue') },
      { path: 'registers', name: 'registers', component: () => import('./views/registers/RegistersView.vue') },
      { path: 'registers/import', name: 'register-import', component: () => import('./views/registers/RegisterImportView.vue') },
      {
        path: 'registers/buildings/:id',
        name: 'building-chart',
        component: () => import('./views/registers/BuildingChartView.vue'),
        props: true,
      },
      { path: 'members', name: 'members', component: () => import('./views/registers/MembersView.vue') },
      { path: 'members/:id', name: 'member', component: () => import('./views/registers/MemberView.vue'), props: true },
      { path: 'roster', name: 'roster', component: () => import('./views/registers/RosterView.vue') },
      { path: 'staffing', name: 'staffing', component: () => import('./views/registers/StaffingView.vue') },
      { path: 'volunteers', name: 'volunteers', component: () => import('./views/registers/VolunteersView.vue') },
      { path: 'cobuild', name: 'cobuild', component: () => import('./views/registers/CobuildView.vue') },
      { path: 'red-property', name: 'red-property', component: () => import('./views/registers/RedPropertyView.vue') },
      // 设岗定责 and 包保 of an area (issue 6 item 2)
      { path: 'duty', name: 'duty', component: () => import('./views/registers/DutyView.vue') },
      { path: 'orgs', name: 'orgs', component: () => import('./views/OrgListView.vue') },
      { path: 'orgs/:id', name: 'org', component: () => import('./views/OrgView.vue'), props: true },
      { path: 'admin/users', name: 'users', component: () => import('./views/UsersView.vue') },
      { path: ':pathMatch(.*)*', name: 'not-found', component: () => import('./views/NotFoundView.vue') },
    ],
  },
]

export const router = createRouter({
  history: createWebHistory('/'),
  routes,
})

router.beforeEach(async (to) => {
  const me = await ensureSession()
  if (to.meta.public) {
    if (to.name === 'login' && me) return { path: safeRedirect(to.query.redirect) }
    return true
  }
  if (!me) return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  return true
})

/** Called by the API client on any 401: forget the user and go to the login page. */
export function handleUnauthorized() {
  session.me = null
  session.checked = true
  const cur = router.currentRoute.value
  if (cur.name === 'login') return
  const redirect = cur.fullPath && cur.fullPath !== '/' ? cur.fullPath : undefined
  void router.replace({ name: 'login', query: redirect ? { redirect } : {} })
}
