CREATE TABLE `watch_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`child_id` text NOT NULL,
	`title_id` text NOT NULL,
	`note` text,
	`status` text NOT NULL,
	`reason` text,
	`allowed_until` text,
	`expires_at` text NOT NULL,
	`created_at` text NOT NULL,
	`decided_at` text,
	FOREIGN KEY (`child_id`) REFERENCES `children`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`title_id`) REFERENCES `titles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `watch_requests_child_idx` ON `watch_requests` (`child_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `watch_requests_pending_once` ON `watch_requests` (`child_id`,`title_id`) WHERE status = 'pending';