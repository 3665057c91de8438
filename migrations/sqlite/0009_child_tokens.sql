ALTER TABLE `tokens` ADD `child_id` text REFERENCES children(id) ON DELETE cascade;--> statement-breakpoint
CREATE INDEX `tokens_child_idx` ON `tokens` (`child_id`);