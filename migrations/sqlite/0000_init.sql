CREATE TABLE `advisories` (
	`title_id` text PRIMARY KEY NOT NULL,
	`age_recommendation` integer NOT NULL,
	`stars` integer NOT NULL,
	`one_liner` text NOT NULL,
	`parents_need_to_know` text NOT NULL,
	`story` text,
	`is_it_any_good` text,
	`talk_about` text NOT NULL,
	`language_level` integer NOT NULL,
	`language_note` text NOT NULL,
	`sex_level` integer NOT NULL,
	`sex_note` text NOT NULL,
	`drinking_level` integer NOT NULL,
	`drinking_note` text NOT NULL,
	`violence_level` integer NOT NULL,
	`violence_note` text NOT NULL,
	`messages_level` integer NOT NULL,
	`messages_note` text NOT NULL,
	`role_models_level` integer NOT NULL,
	`role_models_note` text NOT NULL,
	`consumerism_level` integer,
	`consumerism_note` text,
	`educational_level` integer,
	`educational_note` text,
	`diversity_level` integer,
	`diversity_note` text,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`title_id`) REFERENCES `titles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `certifications` (
	`title_id` text NOT NULL,
	`system` text NOT NULL,
	`rating` text NOT NULL,
	`reason` text,
	`position` integer NOT NULL,
	PRIMARY KEY(`title_id`, `system`),
	FOREIGN KEY (`title_id`) REFERENCES `titles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `children` (
	`id` text PRIMARY KEY NOT NULL,
	`household_id` text NOT NULL,
	`nickname` text NOT NULL,
	`birth` text NOT NULL,
	`limits` text NOT NULL,
	`age_rule` text NOT NULL,
	`unrated` text NOT NULL,
	`certification_ceilings` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`household_id`) REFERENCES `households`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `children_household_idx` ON `children` (`household_id`,`id`);--> statement-breakpoint
CREATE TABLE `flags` (
	`id` text PRIMARY KEY NOT NULL,
	`household_id` text NOT NULL,
	`target_kind` text NOT NULL,
	`title_id` text NOT NULL,
	`review_id` text,
	`reason` text NOT NULL,
	`category` text,
	`note` text,
	`status` text NOT NULL,
	`resolution_note` text,
	`created_at` text NOT NULL,
	`resolved_at` text,
	FOREIGN KEY (`household_id`) REFERENCES `households`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`title_id`) REFERENCES `titles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`review_id`) REFERENCES `reviews`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `flags_open_title_once` ON `flags` (`household_id`,`title_id`) WHERE status = 'open' and target_kind = 'title';--> statement-breakpoint
CREATE UNIQUE INDEX `flags_open_review_once` ON `flags` (`household_id`,`review_id`) WHERE status = 'open' and target_kind = 'review';--> statement-breakpoint
CREATE INDEX `flags_queue_idx` ON `flags` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `households` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `overrides` (
	`child_id` text NOT NULL,
	`title_id` text NOT NULL,
	`decision` text NOT NULL,
	`note` text,
	`expires_at` text,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`child_id`, `title_id`),
	FOREIGN KEY (`child_id`) REFERENCES `children`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`title_id`) REFERENCES `titles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `overrides_title_idx` ON `overrides` (`title_id`);--> statement-breakpoint
CREATE TABLE `review_votes` (
	`review_id` text NOT NULL,
	`household_id` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`review_id`, `household_id`),
	FOREIGN KEY (`review_id`) REFERENCES `reviews`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`household_id`) REFERENCES `households`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `review_votes_household_idx` ON `review_votes` (`household_id`);--> statement-breakpoint
CREATE TABLE `reviews` (
	`id` text PRIMARY KEY NOT NULL,
	`title_id` text NOT NULL,
	`household_id` text NOT NULL,
	`child_id` text,
	`by` text NOT NULL,
	`author_age` integer,
	`age_rating` integer NOT NULL,
	`stars` integer NOT NULL,
	`headline` text NOT NULL,
	`body` text NOT NULL,
	`hidden` integer DEFAULT false NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`title_id`) REFERENCES `titles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`household_id`) REFERENCES `households`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`child_id`) REFERENCES `children`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reviews_parent_once` ON `reviews` (`title_id`,`household_id`) WHERE child_id is null;--> statement-breakpoint
CREATE UNIQUE INDEX `reviews_kid_once` ON `reviews` (`title_id`,`child_id`) WHERE child_id is not null;--> statement-breakpoint
CREATE INDEX `reviews_title_idx` ON `reviews` (`title_id`,`by`,`hidden`,`age_rating`);--> statement-breakpoint
CREATE INDEX `reviews_household_idx` ON `reviews` (`household_id`);--> statement-breakpoint
CREATE TABLE `titles` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`year` integer,
	`release_theaters` text,
	`release_streaming` text,
	`runtime_minutes` integer,
	`genres` text NOT NULL,
	`topics` text NOT NULL,
	`cast` text NOT NULL,
	`directors` text NOT NULL,
	`studio` text,
	`synopsis` text,
	`imdb` text,
	`tmdb` text,
	`isbn` text,
	`age` integer,
	`age_source` text,
	`name_key` text NOT NULL,
	`genre_keys` text NOT NULL,
	`search_text` text NOT NULL,
	`sort_age` integer NOT NULL,
	`sort_released` text NOT NULL,
	`sort_stars` integer NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `titles_imdb_unique` ON `titles` (`imdb`);--> statement-breakpoint
CREATE UNIQUE INDEX `titles_tmdb_unique` ON `titles` (`tmdb`);--> statement-breakpoint
CREATE UNIQUE INDEX `titles_isbn_unique` ON `titles` (`isbn`);--> statement-breakpoint
CREATE INDEX `titles_name_idx` ON `titles` (`name_key`,`id`);--> statement-breakpoint
CREATE INDEX `titles_newest_idx` ON `titles` (`sort_released`,`id`);--> statement-breakpoint
CREATE INDEX `titles_stars_idx` ON `titles` (`sort_stars`,`id`);--> statement-breakpoint
CREATE INDEX `titles_age_idx` ON `titles` (`sort_age`,`id`);--> statement-breakpoint
CREATE INDEX `titles_updated_idx` ON `titles` (`updated_at`);--> statement-breakpoint
CREATE INDEX `titles_kind_idx` ON `titles` (`kind`);--> statement-breakpoint
CREATE TABLE `tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`role` text NOT NULL,
	`household_id` text,
	`name` text,
	`hash` text NOT NULL,
	`hint` text NOT NULL,
	`created_at` text NOT NULL,
	`revoked_at` text,
	FOREIGN KEY (`household_id`) REFERENCES `households`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tokens_hash_unique` ON `tokens` (`hash`);--> statement-breakpoint
CREATE INDEX `tokens_household_idx` ON `tokens` (`household_id`);