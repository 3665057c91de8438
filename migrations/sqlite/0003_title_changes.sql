CREATE TABLE `title_changes` (
	`epoch` integer NOT NULL,
	`title_id` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `title_changes_epoch_idx` ON `title_changes` (`epoch`);--> statement-breakpoint
CREATE TABLE `title_epoch` (
	`id` integer PRIMARY KEY NOT NULL,
	`epoch` integer NOT NULL,
	`forgotten` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `title_epoch` (`id`, `epoch`, `forgotten`) VALUES (1, 0, 0);
