ALTER TABLE `titles` ADD `parent_id` text;--> statement-breakpoint
ALTER TABLE `titles` ADD `season_number` integer;--> statement-breakpoint
ALTER TABLE `titles` ADD `episode_number` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `titles_place_once` ON `titles` (`parent_id`, coalesce(`season_number`, -1), coalesce(`episode_number`, -1));