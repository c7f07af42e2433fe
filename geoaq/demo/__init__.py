"""The shipped Luoyang demo database and its generated (演示数据) parts."""
