-- One index entry fewer per new case: no query reads cases by lead_org_id (a department's cases
-- come from case_orgs).
DROP INDEX cases_lead;
