DROP INDEX `titles_newest_idx`;--> statement-breakpoint
DROP INDEX `titles_stars_idx`;--> statement-breakpoint
DROP INDEX `titles_age_idx`;--> statement-breakpoint
DROP INDEX `titles_kind_idx`;