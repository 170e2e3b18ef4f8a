-- Every service's views now live in generations kept by common-events (event_store.view_generations),
-- so the registry moved there. The analytics views make fresh generations from the store on the first
-- start after this migration; the old generations' schemas and subscribers are found as orphans and
-- dropped then.
drop table analytics.view_generations;
