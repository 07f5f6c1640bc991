use crate::site_test::SiteTest;
